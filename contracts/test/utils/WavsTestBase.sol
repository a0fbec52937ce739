// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {IWavsServiceHandler} from "../../src/interfaces/IWavsServiceHandler.sol";
import {WavsServiceManager} from "../../src/WavsServiceManager.sol";
import {WavsServiceManagerBase} from "../../src/WavsServiceManagerBase.sol";

/// @dev Shared fixtures: operators with their own signing keys, envelope signing, and
///      assembling `SignatureData` with signers in ascending order.
abstract contract WavsTestBase is Test {
    struct Operator {
        address addr;
        uint256 signingPk;
        address signingKey;
    }

    address internal owner = makeAddr("owner");
    WavsServiceManager internal manager;

    /// @dev A private key derived from a label and an index, valid on secp256k1.
    function _pk(string memory label, uint256 i) internal pure returns (uint256) {
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        return (uint256(keccak256(abi.encode(label, i))) % (n - 1)) + 1;
    }

    function _newOperator(string memory label, uint256 i) internal pure returns (Operator memory op) {
        op.addr = vm.addr(_pk(string.concat(label, "-operator"), i));
        op.signingPk = _pk(string.concat(label, "-signer"), i);
        op.signingKey = vm.addr(op.signingPk);
    }

    /// @dev The proof of possession a signing key gives to be bound to `operator`.
    function _bindingSignature(WavsServiceManagerBase m, uint256 signingPk, address operator)
        internal
        pure
        returns (bytes memory)
    {
        bytes32 hash = MessageHashUtils.toEthSignedMessageHash(m.signingKeyBindingDigest(operator));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signingPk, hash);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Registers `op` with `weight` and binds its signing key (as the owner, then the operator).
    function _enroll(WavsServiceManager m, Operator memory op, uint256 weight) internal {
        vm.prank(m.owner());
        m.registerOperator(op.addr, weight);
        bytes memory proof = _bindingSignature(m, op.signingPk, op.addr);
        vm.prank(op.addr);
        m.updateOperatorSigningKey(op.signingKey, proof);
    }

    function _envelope(bytes20 eventId, bytes memory payload)
        internal
        pure
        returns (IWavsServiceHandler.Envelope memory)
    {
        return IWavsServiceHandler.Envelope({eventId: eventId, ordering: bytes12(0), payload: payload});
    }

    function _signEnvelope(uint256 pk, IWavsServiceHandler.Envelope memory env) internal pure returns (bytes memory) {
        bytes32 hash = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(env)));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, hash);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Signatures of `pks` over `env`, signers sorted ascending.
    function _signatureData(uint256[] memory pks, IWavsServiceHandler.Envelope memory env, uint32 referenceBlock)
        internal
        pure
        returns (IWavsServiceHandler.SignatureData memory data)
    {
        uint256 n = pks.length;
        uint256[] memory sorted = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            sorted[i] = pks[i];
        }
        // Insertion sort by address (n <= 20 in every test).
        for (uint256 i = 1; i < n; ++i) {
            uint256 key = sorted[i];
            address keyAddr = vm.addr(key);
            uint256 j = i;
            while (j > 0 && vm.addr(sorted[j - 1]) > keyAddr) {
                sorted[j] = sorted[j - 1];
                --j;
            }
            sorted[j] = key;
        }
        data.signers = new address[](n);
        data.signatures = new bytes[](n);
        data.referenceBlock = referenceBlock;
        for (uint256 i = 0; i < n; ++i) {
            data.signers[i] = vm.addr(sorted[i]);
            data.signatures[i] = _signEnvelope(sorted[i], env);
        }
    }

    function _one(uint256 pk) internal pure returns (uint256[] memory a) {
        a = new uint256[](1);
        a[0] = pk;
    }
}
