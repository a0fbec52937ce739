// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IWavsServiceHandler} from "./IWavsServiceHandler.sol";

/// @title IWavsServiceManager
/// @notice The on-chain registry of a WAVS service: its operators, their weights, the quorum
///         and the service URI, and the judge of the operators' signatures.
/// @dev Functions, errors and events with the same names and types as upstream WAVS.
interface IWavsServiceManager {
    /// @notice No signers, a signer without a signature, or a signature not 65 bytes long.
    error InvalidSignatureLength();
    /// @notice The reference block is not in the past.
    error InvalidSignatureBlock();
    /// @notice The signers are not strictly ascending (unsorted or duplicated).
    error InvalidSignatureOrder();
    /// @notice A signature does not recover to its signer.
    error InvalidSignature();
    /// @notice Nothing can reach the quorum: zero total weight, or zero signed weight.
    error InsufficientQuorumZero();
    /// @notice The signed weight is below the threshold.
    /// @param signerWeight The weight of the operators that signed.
    /// @param thresholdWeight The weight needed.
    /// @param totalWeight The total weight of all operators.
    error InsufficientQuorum(uint256 signerWeight, uint256 thresholdWeight, uint256 totalWeight);
    /// @notice The quorum fraction is not in (0, 1].
    error InvalidQuorumParameters();

    /// @notice The service URI (where the service manifest lives) changed.
    /// @param serviceURI The new service URI.
    event ServiceURIUpdated(string serviceURI);

    /// @notice The quorum fraction changed.
    /// @param numerator The numerator of the quorum fraction.
    /// @param denominator The denominator of the quorum fraction.
    event QuorumThresholdUpdated(uint256 indexed numerator, uint256 indexed denominator);

    /// @notice Reverts unless the signatures are valid and carry enough weight.
    /// @param envelope The envelope the operators signed.
    /// @param signatureData The operators' signatures over it.
    function validate(
        IWavsServiceHandler.Envelope calldata envelope,
        IWavsServiceHandler.SignatureData calldata signatureData
    ) external view;

    /// @notice The service URI.
    /// @return The URI of the service manifest.
    function getServiceURI() external view returns (string memory);

    /// @notice Sets the service URI.
    /// @param serviceURI The URI of the new service manifest.
    function setServiceURI(string calldata serviceURI) external;

    /// @notice The current weight of an operator.
    /// @param operator The operator.
    /// @return Its weight (zero if it is not an operator).
    function getOperatorWeight(address operator) external view returns (uint256);

    /// @notice The operator a signing key is currently bound to.
    /// @param signingKeyAddress The signing key.
    /// @return The operator, or address(0) if the key is not bound.
    function getLatestOperatorForSigningKey(address signingKeyAddress) external view returns (address);
}
