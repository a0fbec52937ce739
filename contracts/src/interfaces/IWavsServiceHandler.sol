// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IWavsServiceHandler
/// @notice A contract that consumes results signed by the operators of a WAVS service.
/// @dev Same structs and functions as upstream WAVS, so a handler written for upstream works
///      here unchanged. Operators sign the EIP-191 hash of `keccak256(abi.encode(envelope))`.
interface IWavsServiceHandler {
    /// @notice The result of one component run, as signed by the operators.
    /// @param eventId The 20-byte event id every operator derives for the same trigger.
    /// @param ordering Zero unless the component set one (its first 8 bytes are a big-endian u64).
    /// @param payload The component's output.
    struct Envelope {
        bytes20 eventId;
        bytes12 ordering;
        bytes payload;
    }

    /// @notice The operators' signatures over an envelope.
    /// @param signers Signing-key addresses, strictly ascending.
    /// @param signatures One 65-byte `r || s || v` signature per signer, in the same order.
    /// @param referenceBlock The block whose operator weights judge the signatures (in the past).
    struct SignatureData {
        address[] signers;
        bytes[] signatures;
        uint32 referenceBlock;
    }

    /// @notice Consumes a signed envelope; must have the service manager validate it first.
    /// @param envelope The envelope the operators signed.
    /// @param signatureData The operators' signatures over it.
    function handleSignedEnvelope(Envelope calldata envelope, SignatureData calldata signatureData) external;

    /// @notice The service manager this handler validates envelopes with.
    /// @return The address of the service manager.
    function getServiceManager() external view returns (address);
}
