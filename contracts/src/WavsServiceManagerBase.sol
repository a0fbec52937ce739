// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

import {IWavsServiceHandler} from "./interfaces/IWavsServiceHandler.sol";
import {IWavsServiceManager} from "./interfaces/IWavsServiceManager.sol";

/// @title WavsServiceManagerBase
/// @notice Everything a WAVS service manager does except knowing operator weights: the service
///         URI, the quorum, the binding of signing keys to operators, and `validate`.
/// @dev The weight source is the seam: a derived contract implements `_isOperator`,
///      `_operatorWeightAt` and `_totalWeightAt`. `WavsServiceManager` keeps owner-set weights;
///      a restaking backend (EigenLayer-style stake registry, Symbiotic vaults) can supply them
///      instead without touching validation. Every value `validate` reads is looked up at the
///      reference block, so a verdict for a past block never changes.
abstract contract WavsServiceManagerBase is IWavsServiceManager, Ownable2Step {
    using Checkpoints for Checkpoints.Trace208;

    /// @dev Largest numerator or denominator: both are packed in one 208-bit checkpoint.
    uint256 private constant _QUORUM_PART_MAX = type(uint104).max;

    /// @dev The URI of the service manifest.
    string private _serviceURI;
    /// @dev Quorum fraction per block, packed as `numerator << 104 | denominator`.
    Checkpoints.Trace208 private _quorum;
    /// @dev Operator a signing key is bound to, per block (zero when unbound).
    mapping(address signingKey => Checkpoints.Trace208) private _signingKeyOperator;
    /// @dev The signing key an operator is bound to now (zero when none).
    mapping(address operator => address) private _operatorSigningKey;
    /// @dev How many blocks back a reference block may lie (zero: no limit).
    uint32 private _maxReferenceBlockAge;

    /// @notice The account is not a registered operator.
    /// @param account The account.
    error OperatorNotRegistered(address account);
    /// @notice The zero address cannot be a signing key.
    error InvalidSigningKey();
    /// @notice The signing key's proof of possession does not recover to the signing key.
    error InvalidSigningKeySignature();
    /// @notice The signing key is already bound to an operator.
    /// @param signingKey The signing key.
    /// @param operator The operator it is bound to.
    error SigningKeyAlreadyBound(address signingKey, address operator);

    /// @notice An operator's signing key changed.
    /// @param operator The operator.
    /// @param newSigningKey The key now bound to the operator (zero when unbound).
    /// @param oldSigningKey The key bound before (zero when none).
    event SigningKeyUpdated(address indexed operator, address indexed newSigningKey, address indexed oldSigningKey);

    /// @notice The limit on the age of reference blocks changed.
    /// @param maxAge How many blocks back a reference block may lie (zero: no limit).
    event MaxReferenceBlockAgeUpdated(uint256 maxAge);

    /// @param initialOwner The account that administers the service.
    /// @param quorumNumerator Numerator of the share of total weight that must sign.
    /// @param quorumDenominator Denominator of that share.
    constructor(address initialOwner, uint256 quorumNumerator, uint256 quorumDenominator) Ownable(initialOwner) {
        _setQuorum(quorumNumerator, quorumDenominator);
    }

    // ---------------------------------------------------------------------------------------
    // Validation
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IWavsServiceManager
    /// @dev Checks, in order: lengths, reference block (in the past, and no older than
    ///      `getMaxReferenceBlockAge()` blocks when that is set), signer order, each signature,
    ///      weight. Signed weight = sum of the weights, at the reference block, of the operators the
    ///      signers were bound to at the reference block. It must reach
    ///      `ceil(totalWeight * numerator / denominator)`.
    function validate(
        IWavsServiceHandler.Envelope calldata envelope,
        IWavsServiceHandler.SignatureData calldata signatureData
    ) external view virtual override {
        address[] calldata signers = signatureData.signers;
        bytes[] calldata signatures = signatureData.signatures;
        uint256 count = signers.length;
        if (count == 0 || count != signatures.length) revert InvalidSignatureLength();
        for (uint256 i = 0; i < count; ++i) {
            if (signatures[i].length != 65) revert InvalidSignatureLength();
        }

        uint48 referenceBlock = signatureData.referenceBlock;
        if (referenceBlock >= block.number) revert InvalidSignatureBlock();
        uint256 maxAge = _maxReferenceBlockAge;
        if (maxAge != 0 && block.number - referenceBlock > maxAge) revert InvalidSignatureBlock();

        for (uint256 i = 1; i < count; ++i) {
            if (signers[i - 1] >= signers[i]) revert InvalidSignatureOrder();
        }

        bytes32 hash = MessageHashUtils.toEthSignedMessageHash(envelopeDigest(envelope));
        uint256 signedWeight = 0;
        for (uint256 i = 0; i < count; ++i) {
            (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(hash, signatures[i]);
            if (err != ECDSA.RecoverError.NoError || recovered != signers[i]) revert InvalidSignature();
            address operator = _operatorForSigningKeyAt(signers[i], referenceBlock);
            if (operator != address(0)) signedWeight += _operatorWeightAt(operator, referenceBlock);
        }

        uint256 totalWeight = _totalWeightAt(referenceBlock);
        if (totalWeight == 0 || signedWeight == 0) revert InsufficientQuorumZero();
        (uint256 numerator, uint256 denominator) = _quorumAt(referenceBlock);
        if (denominator == 0) revert InvalidQuorumParameters();
        uint256 thresholdWeight = Math.mulDiv(totalWeight, numerator, denominator, Math.Rounding.Ceil);
        if (signedWeight < thresholdWeight) revert InsufficientQuorum(signedWeight, thresholdWeight, totalWeight);
    }

    /// @notice The digest operators sign (EIP-191) for an envelope: `keccak256(abi.encode(envelope))`.
    /// @param envelope The envelope.
    /// @return The digest.
    function envelopeDigest(IWavsServiceHandler.Envelope calldata envelope) public pure returns (bytes32) {
        return keccak256(abi.encode(envelope));
    }

    // ---------------------------------------------------------------------------------------
    // Service URI
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IWavsServiceManager
    function getServiceURI() external view override returns (string memory) {
        return _serviceURI;
    }

    /// @inheritdoc IWavsServiceManager
    /// @dev Only the owner. Operators watch `ServiceURIUpdated` to hot-swap the service.
    function setServiceURI(string calldata serviceURI) external override onlyOwner {
        _serviceURI = serviceURI;
        emit ServiceURIUpdated(serviceURI);
    }

    // ---------------------------------------------------------------------------------------
    // Quorum
    // ---------------------------------------------------------------------------------------

    /// @notice Sets the share of total weight that must sign: `numerator / denominator`.
    /// @dev Only the owner. Requires `0 < numerator <= denominator < 2**104`. Takes effect for
    ///      reference blocks from the current block on.
    /// @param numerator The numerator.
    /// @param denominator The denominator.
    function updateQuorum(uint256 numerator, uint256 denominator) external onlyOwner {
        _setQuorum(numerator, denominator);
    }

    /// @notice The current quorum fraction.
    /// @return numerator The numerator.
    /// @return denominator The denominator.
    function getQuorum() external view returns (uint256 numerator, uint256 denominator) {
        return _unpackQuorum(_quorum.latest());
    }

    /// @notice The quorum fraction in force at the end of a block.
    /// @param blockNumber The block.
    /// @return numerator The numerator (zero before deployment).
    /// @return denominator The denominator (zero before deployment).
    function getQuorumAt(uint32 blockNumber) external view returns (uint256 numerator, uint256 denominator) {
        return _quorumAt(blockNumber);
    }

    /// @notice The weight that must sign now: `ceil(totalWeight * numerator / denominator)`.
    /// @return The threshold weight.
    function getThresholdWeight() external view returns (uint256) {
        (uint256 numerator, uint256 denominator) = _unpackQuorum(_quorum.latest());
        return Math.mulDiv(_totalWeightAt(Time.blockNumber()), numerator, denominator, Math.Rounding.Ceil);
    }

    /// @notice Limits how far back a reference block may lie, so that operators removed (or
    ///         keys rotated) more than `maxAge` blocks ago can no longer sign with an old
    ///         reference block. Zero (the default, as upstream) means no limit. Only the owner.
    /// @param maxAge The largest allowed `block.number - referenceBlock`, or zero.
    function setMaxReferenceBlockAge(uint32 maxAge) external onlyOwner {
        _maxReferenceBlockAge = maxAge;
        emit MaxReferenceBlockAgeUpdated(maxAge);
    }

    /// @notice How far back a reference block may lie (zero: no limit).
    /// @return The largest allowed `block.number - referenceBlock`, or zero.
    function getMaxReferenceBlockAge() external view returns (uint256) {
        return _maxReferenceBlockAge;
    }

    // ---------------------------------------------------------------------------------------
    // Weights (read through the seam)
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IWavsServiceManager
    function getOperatorWeight(address operator) external view override returns (uint256) {
        return _operatorWeightAt(operator, Time.blockNumber());
    }

    /// @notice An operator's weight at the end of a block.
    /// @param operator The operator.
    /// @param blockNumber The block.
    /// @return The weight.
    function getOperatorWeightAt(address operator, uint32 blockNumber) external view returns (uint256) {
        return _operatorWeightAt(operator, blockNumber);
    }

    /// @notice The current total weight of all operators.
    /// @return The total weight.
    function getTotalWeight() external view returns (uint256) {
        return _totalWeightAt(Time.blockNumber());
    }

    /// @notice The total weight of all operators at the end of a block.
    /// @param blockNumber The block.
    /// @return The total weight.
    function getTotalWeightAt(uint32 blockNumber) external view returns (uint256) {
        return _totalWeightAt(blockNumber);
    }

    /// @notice Whether an account is a registered operator now.
    /// @param account The account.
    /// @return True if it is.
    function isOperator(address account) external view returns (bool) {
        return _isOperator(account);
    }

    // ---------------------------------------------------------------------------------------
    // Signing keys
    // ---------------------------------------------------------------------------------------

    /// @notice Binds a signing key to the calling operator, replacing its previous key.
    /// @dev The key proves possession with an EIP-191 signature over
    ///      `signingKeyBindingDigest(operator)`, so no one can bind a key they do not hold, and
    ///      a key serves one operator at a time.
    /// @param newSigningKey The signing key's address.
    /// @param signingKeySignature 65-byte signature by the signing key over the binding digest.
    function updateOperatorSigningKey(address newSigningKey, bytes calldata signingKeySignature) external {
        address operator = _msgSender();
        if (!_isOperator(operator)) revert OperatorNotRegistered(operator);
        if (newSigningKey == address(0)) revert InvalidSigningKey();
        address boundTo = address(uint160(_signingKeyOperator[newSigningKey].latest()));
        if (boundTo != address(0)) revert SigningKeyAlreadyBound(newSigningKey, boundTo);
        bytes32 hash = MessageHashUtils.toEthSignedMessageHash(signingKeyBindingDigest(operator));
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(hash, signingKeySignature);
        if (err != ECDSA.RecoverError.NoError || recovered != newSigningKey) revert InvalidSigningKeySignature();
        _setSigningKey(operator, newSigningKey);
    }

    /// @notice The digest a signing key signs (EIP-191) to be bound to an operator:
    ///         `keccak256(abi.encodePacked(operator))`, the hash of the operator's 20-byte address.
    /// @param operator The operator.
    /// @return The digest.
    function signingKeyBindingDigest(address operator) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(operator));
    }

    /// @inheritdoc IWavsServiceManager
    function getLatestOperatorForSigningKey(address signingKeyAddress) external view override returns (address) {
        return address(uint160(_signingKeyOperator[signingKeyAddress].latest()));
    }

    /// @notice The operator a signing key was bound to at the end of a block.
    /// @param signingKeyAddress The signing key.
    /// @param blockNumber The block.
    /// @return The operator, or address(0).
    function getOperatorForSigningKeyAt(address signingKeyAddress, uint32 blockNumber) external view returns (address) {
        return _operatorForSigningKeyAt(signingKeyAddress, blockNumber);
    }

    /// @notice The signing key an operator is bound to now.
    /// @param operator The operator.
    /// @return The signing key, or address(0).
    function getLatestSigningKeyForOperator(address operator) external view returns (address) {
        return _operatorSigningKey[operator];
    }

    // ---------------------------------------------------------------------------------------
    // The weight seam
    // ---------------------------------------------------------------------------------------

    /// @dev Whether `account` is a registered operator now (may bind a signing key).
    function _isOperator(address account) internal view virtual returns (bool);

    /// @dev The weight of `operator` at the end of `blockNumber`.
    function _operatorWeightAt(address operator, uint48 blockNumber) internal view virtual returns (uint256);

    /// @dev The total weight of all operators at the end of `blockNumber`.
    function _totalWeightAt(uint48 blockNumber) internal view virtual returns (uint256);

    /// @dev The operator `signingKey` was bound to at the end of `blockNumber`.
    function _operatorForSigningKeyAt(address signingKey, uint48 blockNumber) internal view virtual returns (address) {
        return address(uint160(_signingKeyOperator[signingKey].upperLookupRecent(blockNumber)));
    }

    // ---------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------

    /// @dev Binds `newSigningKey` (zero to unbind) to `operator` from the current block on.
    function _setSigningKey(address operator, address newSigningKey) internal {
        address oldSigningKey = _operatorSigningKey[operator];
        if (oldSigningKey == newSigningKey) return;
        uint48 now_ = Time.blockNumber();
        if (oldSigningKey != address(0)) _signingKeyOperator[oldSigningKey].push(now_, 0);
        if (newSigningKey != address(0)) _signingKeyOperator[newSigningKey].push(now_, uint160(operator));
        _operatorSigningKey[operator] = newSigningKey;
        emit SigningKeyUpdated(operator, newSigningKey, oldSigningKey);
    }

    function _setQuorum(uint256 numerator, uint256 denominator) private {
        if (numerator == 0 || numerator > denominator || denominator > _QUORUM_PART_MAX) {
            revert InvalidQuorumParameters();
        }
        // Both parts are below 2**104, so the packed value fits in 208 bits.
        // forge-lint: disable-next-line(unsafe-typecast)
        _quorum.push(Time.blockNumber(), uint208((numerator << 104) | denominator));
        emit QuorumThresholdUpdated(numerator, denominator);
    }

    function _quorumAt(uint48 blockNumber) private view returns (uint256 numerator, uint256 denominator) {
        return _unpackQuorum(_quorum.upperLookupRecent(blockNumber));
    }

    function _unpackQuorum(uint208 packed) private pure returns (uint256 numerator, uint256 denominator) {
        return (uint256(packed) >> 104, uint256(packed) & _QUORUM_PART_MAX);
    }
}
