// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IWavsServiceHandler} from "../src/interfaces/IWavsServiceHandler.sol";
import {IWavsServiceManager} from "../src/interfaces/IWavsServiceManager.sol";
import {WavsServiceManager} from "../src/WavsServiceManager.sol";
import {WavsServiceManagerBase} from "../src/WavsServiceManagerBase.sol";
import {FixedWeightServiceManager} from "./mocks/FixedWeightServiceManager.sol";
import {WavsTestBase} from "./utils/WavsTestBase.sol";

contract WavsServiceManagerTest is WavsTestBase {
    // secp256k1 group order, to build high-s (malleable) signatures.
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    Operator internal alice;
    Operator internal bob;
    Operator internal carol;
    address internal stranger = makeAddr("stranger");

    IWavsServiceHandler.Envelope internal env;

    event OperatorRegistered(address indexed operator, uint256 weight);
    event OperatorWeightUpdated(address indexed operator, uint256 oldWeight, uint256 newWeight);
    event OperatorDeregistered(address indexed operator);
    event SigningKeyUpdated(address indexed operator, address indexed newSigningKey, address indexed oldSigningKey);

    function setUp() public {
        vm.roll(100);
        manager = new WavsServiceManager(owner, 2, 3);
        alice = _newOperator("alice", 0);
        bob = _newOperator("bob", 0);
        carol = _newOperator("carol", 0);
        _enroll(manager, alice, 100);
        _enroll(manager, bob, 200);
        _enroll(manager, carol, 300);
        env = _envelope(bytes20(uint160(0xe1)), "hello");
        vm.roll(101);
    }

    function _pks3() internal view returns (uint256[] memory pks) {
        pks = new uint256[](3);
        pks[0] = alice.signingPk;
        pks[1] = bob.signingPk;
        pks[2] = carol.signingPk;
    }

    function _pks2(Operator memory a, Operator memory b) internal pure returns (uint256[] memory pks) {
        pks = new uint256[](2);
        pks[0] = a.signingPk;
        pks[1] = b.signingPk;
    }

    // -------------------------------------------------------------------------------------
    // Construction
    // -------------------------------------------------------------------------------------

    function test_constructor_setsOwnerAndQuorum() public view {
        assertEq(manager.owner(), owner);
        (uint256 n, uint256 d) = manager.getQuorum();
        assertEq(n, 2);
        assertEq(d, 3);
        (n, d) = manager.getQuorumAt(100);
        assertEq(n, 2);
        assertEq(d, 3);
        (n, d) = manager.getQuorumAt(99);
        assertEq(n, 0);
        assertEq(d, 0);
    }

    function test_constructor_emitsQuorumThresholdUpdated() public {
        vm.expectEmit(true, true, false, false);
        emit IWavsServiceManager.QuorumThresholdUpdated(1, 2);
        new WavsServiceManager(owner, 1, 2);
    }

    function test_constructor_revertsOnInvalidQuorum() public {
        vm.expectRevert(IWavsServiceManager.InvalidQuorumParameters.selector);
        new WavsServiceManager(owner, 0, 1);
        vm.expectRevert(IWavsServiceManager.InvalidQuorumParameters.selector);
        new WavsServiceManager(owner, 2, 1);
        vm.expectRevert(IWavsServiceManager.InvalidQuorumParameters.selector);
        new WavsServiceManager(owner, 1, 0);
        vm.expectRevert(IWavsServiceManager.InvalidQuorumParameters.selector);
        new WavsServiceManager(owner, 1, uint256(type(uint104).max) + 1);
    }

    function test_constructor_revertsOnZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new WavsServiceManager(address(0), 1, 1);
    }

    // -------------------------------------------------------------------------------------
    // Operators (owner)
    // -------------------------------------------------------------------------------------

    function test_registerOperator() public {
        Operator memory dave = _newOperator("dave", 0);
        vm.expectEmit(true, false, false, true);
        emit OperatorRegistered(dave.addr, 50);
        vm.prank(owner);
        manager.registerOperator(dave.addr, 50);
        assertTrue(manager.isOperator(dave.addr));
        assertEq(manager.getOperatorWeight(dave.addr), 50);
        assertEq(manager.getTotalWeight(), 650);
        assertEq(manager.getOperatorCount(), 4);
        address[] memory ops = manager.getOperators();
        assertEq(ops.length, 4);
        assertEq(ops[3], dave.addr);
        // Not bound yet.
        assertEq(manager.getLatestSigningKeyForOperator(dave.addr), address(0));
    }

    function test_registerOperator_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        manager.registerOperator(stranger, 1);
    }

    function test_registerOperator_revertsOnZeroAddress() public {
        vm.expectRevert(WavsServiceManager.InvalidOperator.selector);
        vm.prank(owner);
        manager.registerOperator(address(0), 1);
    }

    function test_registerOperator_revertsOnZeroWeight() public {
        vm.expectRevert(WavsServiceManager.InvalidWeight.selector);
        vm.prank(owner);
        manager.registerOperator(stranger, 0);
    }

    function test_registerOperator_revertsWhenRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(WavsServiceManager.OperatorAlreadyRegistered.selector, alice.addr));
        vm.prank(owner);
        manager.registerOperator(alice.addr, 1);
    }

    function test_registerOperator_revertsWhenTotalOverflows() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                SafeCast.SafeCastOverflowedUintDowncast.selector, 208, type(uint208).max + uint256(600)
            )
        );
        vm.prank(owner);
        manager.registerOperator(stranger, type(uint208).max);
    }

    function test_updateOperatorWeight() public {
        vm.expectEmit(true, false, false, true);
        emit OperatorWeightUpdated(alice.addr, 100, 400);
        vm.prank(owner);
        manager.updateOperatorWeight(alice.addr, 400);
        assertEq(manager.getOperatorWeight(alice.addr), 400);
        assertEq(manager.getTotalWeight(), 900);
        // History is kept per block.
        assertEq(manager.getOperatorWeightAt(alice.addr, 100), 100);
        assertEq(manager.getTotalWeightAt(100), 600);
        assertEq(manager.getOperatorWeightAt(alice.addr, 101), 400);
    }

    function test_updateOperatorWeight_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice.addr));
        vm.prank(alice.addr);
        manager.updateOperatorWeight(alice.addr, 1000);
    }

    function test_updateOperatorWeight_revertsOnZeroWeight() public {
        vm.expectRevert(WavsServiceManager.InvalidWeight.selector);
        vm.prank(owner);
        manager.updateOperatorWeight(alice.addr, 0);
    }

    function test_updateOperatorWeight_revertsForUnknownOperator() public {
        vm.expectRevert(abi.encodeWithSelector(WavsServiceManagerBase.OperatorNotRegistered.selector, stranger));
        vm.prank(owner);
        manager.updateOperatorWeight(stranger, 1);
    }

    function test_deregisterOperator() public {
        vm.expectEmit(true, true, true, true);
        emit SigningKeyUpdated(bob.addr, address(0), bob.signingKey);
        vm.expectEmit(true, false, false, true);
        emit OperatorDeregistered(bob.addr);
        vm.prank(owner);
        manager.deregisterOperator(bob.addr);
        assertFalse(manager.isOperator(bob.addr));
        assertEq(manager.getOperatorWeight(bob.addr), 0);
        assertEq(manager.getTotalWeight(), 400);
        assertEq(manager.getOperatorCount(), 2);
        assertEq(manager.getLatestOperatorForSigningKey(bob.signingKey), address(0));
        assertEq(manager.getLatestSigningKeyForOperator(bob.addr), address(0));
        // The past is unchanged.
        assertEq(manager.getOperatorForSigningKeyAt(bob.signingKey, 100), bob.addr);
        assertEq(manager.getOperatorWeightAt(bob.addr, 100), 200);
        // A deregistered operator can register again, and must bind a key again.
        vm.prank(owner);
        manager.registerOperator(bob.addr, 5);
        assertEq(manager.getLatestSigningKeyForOperator(bob.addr), address(0));
    }

    function test_deregisterOperator_withoutSigningKey() public {
        vm.startPrank(owner);
        manager.registerOperator(stranger, 7);
        vm.recordLogs();
        manager.deregisterOperator(stranger);
        vm.stopPrank();
        // Only OperatorDeregistered: there was no key to unbind.
        assertEq(vm.getRecordedLogs().length, 1);
        assertFalse(manager.isOperator(stranger));
    }

    function test_deregisterOperator_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        manager.deregisterOperator(alice.addr);
    }

    function test_deregisterOperator_revertsForUnknownOperator() public {
        vm.expectRevert(abi.encodeWithSelector(WavsServiceManagerBase.OperatorNotRegistered.selector, stranger));
        vm.prank(owner);
        manager.deregisterOperator(stranger);
    }

    // -------------------------------------------------------------------------------------
    // Quorum, service URI, ownership (owner)
    // -------------------------------------------------------------------------------------

    function test_updateQuorum() public {
        vm.expectEmit(true, true, false, false);
        emit IWavsServiceManager.QuorumThresholdUpdated(1, 2);
        vm.prank(owner);
        manager.updateQuorum(1, 2);
        (uint256 n, uint256 d) = manager.getQuorum();
        assertEq(n, 1);
        assertEq(d, 2);
        (n, d) = manager.getQuorumAt(100);
        assertEq(n, 2);
        assertEq(d, 3);
        assertEq(manager.getThresholdWeight(), 300);
    }

    function test_updateQuorum_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        manager.updateQuorum(1, 2);
    }

    function test_updateQuorum_revertsOnInvalidParameters() public {
        vm.startPrank(owner);
        vm.expectRevert(IWavsServiceManager.InvalidQuorumParameters.selector);
        manager.updateQuorum(0, 5);
        vm.expectRevert(IWavsServiceManager.InvalidQuorumParameters.selector);
        manager.updateQuorum(6, 5);
        vm.expectRevert(IWavsServiceManager.InvalidQuorumParameters.selector);
        manager.updateQuorum(0, 0);
        vm.expectRevert(IWavsServiceManager.InvalidQuorumParameters.selector);
        manager.updateQuorum(1, uint256(type(uint104).max) + 1);
        // The largest allowed parts.
        manager.updateQuorum(type(uint104).max, type(uint104).max);
        vm.stopPrank();
        (uint256 n, uint256 d) = manager.getQuorum();
        assertEq(n, type(uint104).max);
        assertEq(d, type(uint104).max);
    }

    function test_getThresholdWeight_roundsUp() public {
        // total 600, 2/3 -> 400 exactly; 600 * 5 / 7 = 428.57 -> 429.
        assertEq(manager.getThresholdWeight(), 400);
        vm.prank(owner);
        manager.updateQuorum(5, 7);
        assertEq(manager.getThresholdWeight(), 429);
    }

    function test_setServiceURI() public {
        assertEq(manager.getServiceURI(), "");
        vm.expectEmit(false, false, false, true);
        emit IWavsServiceManager.ServiceURIUpdated("http://127.0.0.1:8000/dev/services/abc");
        vm.prank(owner);
        manager.setServiceURI("http://127.0.0.1:8000/dev/services/abc");
        assertEq(manager.getServiceURI(), "http://127.0.0.1:8000/dev/services/abc");
    }

    function test_setServiceURI_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        manager.setServiceURI("ipfs://x");
    }

    function test_ownership_twoStepTransfer() public {
        vm.prank(owner);
        manager.transferOwnership(stranger);
        assertEq(manager.owner(), owner);
        assertEq(manager.pendingOwner(), stranger);
        // Only the pending owner can accept.
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice.addr));
        vm.prank(alice.addr);
        manager.acceptOwnership();
        vm.prank(stranger);
        manager.acceptOwnership();
        assertEq(manager.owner(), stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        vm.prank(owner);
        manager.setServiceURI("x");
    }

    function test_renounceOwnership() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        manager.renounceOwnership();
        vm.prank(owner);
        manager.renounceOwnership();
        assertEq(manager.owner(), address(0));
        // Nobody administers the service any more.
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        vm.prank(owner);
        manager.registerOperator(stranger, 1);
    }

    function test_transferOwnership_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        manager.transferOwnership(stranger);
    }

    // -------------------------------------------------------------------------------------
    // Signing keys (operators)
    // -------------------------------------------------------------------------------------

    function test_updateOperatorSigningKey_binds() public view {
        assertEq(manager.getLatestOperatorForSigningKey(alice.signingKey), alice.addr);
        assertEq(manager.getLatestSigningKeyForOperator(alice.addr), alice.signingKey);
        assertEq(manager.getOperatorForSigningKeyAt(alice.signingKey, 100), alice.addr);
        assertEq(manager.getOperatorForSigningKeyAt(alice.signingKey, 99), address(0));
        assertEq(manager.getLatestOperatorForSigningKey(alice.addr), address(0));
    }

    function test_updateOperatorSigningKey_rotates() public {
        uint256 newPk = _pk("alice-rotated", 0);
        address newKey = vm.addr(newPk);
        bytes memory proof = _bindingSignature(manager, newPk, alice.addr);
        vm.expectEmit(true, true, true, true);
        emit SigningKeyUpdated(alice.addr, newKey, alice.signingKey);
        vm.prank(alice.addr);
        manager.updateOperatorSigningKey(newKey, proof);
        assertEq(manager.getLatestOperatorForSigningKey(newKey), alice.addr);
        assertEq(manager.getLatestOperatorForSigningKey(alice.signingKey), address(0));
        assertEq(manager.getLatestSigningKeyForOperator(alice.addr), newKey);
        assertEq(manager.getOperatorForSigningKeyAt(alice.signingKey, 100), alice.addr);
        assertEq(manager.getOperatorForSigningKeyAt(newKey, 100), address(0));
        // The released key may later serve another operator.
        Operator memory dave = _newOperator("dave", 0);
        vm.prank(owner);
        manager.registerOperator(dave.addr, 1);
        bytes memory daveProof = _bindingSignature(manager, alice.signingPk, dave.addr);
        vm.prank(dave.addr);
        manager.updateOperatorSigningKey(alice.signingKey, daveProof);
        assertEq(manager.getLatestOperatorForSigningKey(alice.signingKey), dave.addr);
    }

    function test_updateOperatorSigningKey_rotateTwiceInOneBlock() public {
        uint256 pk1 = _pk("k", 1);
        uint256 pk2 = _pk("k", 2);
        vm.startPrank(alice.addr);
        manager.updateOperatorSigningKey(vm.addr(pk1), _bindingSignature(manager, pk1, alice.addr));
        manager.updateOperatorSigningKey(vm.addr(pk2), _bindingSignature(manager, pk2, alice.addr));
        vm.stopPrank();
        assertEq(manager.getOperatorForSigningKeyAt(vm.addr(pk1), 101), address(0));
        assertEq(manager.getOperatorForSigningKeyAt(vm.addr(pk2), 101), alice.addr);
        assertEq(manager.getOperatorForSigningKeyAt(alice.signingKey, 101), address(0));
    }

    function test_updateOperatorSigningKey_revertsForNonOperator() public {
        uint256 pk = _pk("stranger-key", 0);
        bytes memory proof = _bindingSignature(manager, pk, stranger);
        vm.expectRevert(abi.encodeWithSelector(WavsServiceManagerBase.OperatorNotRegistered.selector, stranger));
        vm.prank(stranger);
        manager.updateOperatorSigningKey(vm.addr(pk), proof);
    }

    function test_updateOperatorSigningKey_revertsOnZeroKey() public {
        vm.expectRevert(WavsServiceManagerBase.InvalidSigningKey.selector);
        vm.prank(alice.addr);
        manager.updateOperatorSigningKey(address(0), new bytes(65));
    }

    function test_updateOperatorSigningKey_revertsWhenKeyBoundElsewhere() public {
        // Even with a valid proof for bob, alice's key stays alice's.
        bytes memory proof = _bindingSignature(manager, alice.signingPk, bob.addr);
        vm.expectRevert(
            abi.encodeWithSelector(WavsServiceManagerBase.SigningKeyAlreadyBound.selector, alice.signingKey, alice.addr)
        );
        vm.prank(bob.addr);
        manager.updateOperatorSigningKey(alice.signingKey, proof);
    }

    function test_updateOperatorSigningKey_revertsWhenKeyBoundToSelf() public {
        bytes memory proof = _bindingSignature(manager, alice.signingPk, alice.addr);
        vm.expectRevert(
            abi.encodeWithSelector(WavsServiceManagerBase.SigningKeyAlreadyBound.selector, alice.signingKey, alice.addr)
        );
        vm.prank(alice.addr);
        manager.updateOperatorSigningKey(alice.signingKey, proof);
    }

    function test_updateOperatorSigningKey_cannotBindSomeoneElsesKey() public {
        // A key's holder signed a proof for operator alice; bob replays it for himself.
        uint256 pk = _pk("fresh", 0);
        bytes memory proofForAlice = _bindingSignature(manager, pk, alice.addr);
        vm.expectRevert(WavsServiceManagerBase.InvalidSigningKeySignature.selector);
        vm.prank(bob.addr);
        manager.updateOperatorSigningKey(vm.addr(pk), proofForAlice);
        // And bob cannot sign for a key he does not hold.
        bytes memory bobsOwnSig = _bindingSignature(manager, bob.signingPk, bob.addr);
        vm.expectRevert(WavsServiceManagerBase.InvalidSigningKeySignature.selector);
        vm.prank(bob.addr);
        manager.updateOperatorSigningKey(vm.addr(pk), bobsOwnSig);
    }

    function test_updateOperatorSigningKey_revertsOnMalformedProof() public {
        uint256 pk = _pk("fresh", 1);
        bytes memory proof = _bindingSignature(manager, pk, alice.addr);
        bytes memory short = new bytes(64);
        for (uint256 i = 0; i < 64; ++i) {
            short[i] = proof[i];
        }
        vm.expectRevert(WavsServiceManagerBase.InvalidSigningKeySignature.selector);
        vm.prank(alice.addr);
        manager.updateOperatorSigningKey(vm.addr(pk), short);
    }

    function test_signingKeyBindingDigest_isHashOfPackedAddress() public view {
        assertEq(manager.signingKeyBindingDigest(alice.addr), keccak256(abi.encodePacked(alice.addr)));
    }

    // -------------------------------------------------------------------------------------
    // validate: accepting
    // -------------------------------------------------------------------------------------

    function test_validate_acceptsAllSigners() public view {
        manager.validate(env, _signatureData(_pks3(), env, 100));
    }

    function test_validate_acceptsExactlyAtThreshold() public view {
        // alice + carol = 400 = ceil(600 * 2 / 3).
        manager.validate(env, _signatureData(_pks2(alice, carol), env, 100));
    }

    function test_validate_ignoresUnboundSignerWhenQuorumReached() public view {
        uint256[] memory pks = new uint256[](3);
        pks[0] = bob.signingPk;
        pks[1] = carol.signingPk;
        pks[2] = _pk("nobody", 0);
        manager.validate(env, _signatureData(pks, env, 100));
    }

    function test_envelopeDigest_isKeccakOfAbiEncode() public view {
        assertEq(manager.envelopeDigest(env), keccak256(abi.encode(env)));
    }

    function test_envelopeDigest_fixedVector() public view {
        // Envelope {eventId: 0x11..11, ordering: 0, payload: "hello"} encoded as one tuple:
        // offset 0x20, eventId, ordering, offset of payload 0x60, length 5, "hello".
        IWavsServiceHandler.Envelope memory e = IWavsServiceHandler.Envelope({
            eventId: bytes20(hex"1111111111111111111111111111111111111111"), ordering: bytes12(0), payload: "hello"
        });
        bytes memory expected = abi.encodePacked(
            uint256(0x20),
            bytes32(hex"1111111111111111111111111111111111111111"),
            bytes32(0),
            uint256(0x60),
            uint256(5),
            bytes32("hello")
        );
        assertEq(abi.encode(e), expected);
        assertEq(manager.envelopeDigest(e), keccak256(expected));
    }

    // -------------------------------------------------------------------------------------
    // validate: every revert path
    // -------------------------------------------------------------------------------------

    function test_validate_revertsOnNoSigners() public {
        IWavsServiceHandler.SignatureData memory data;
        data.referenceBlock = 100;
        vm.expectRevert(IWavsServiceManager.InvalidSignatureLength.selector);
        manager.validate(env, data);
    }

    function test_validate_revertsOnCountMismatch() public {
        IWavsServiceHandler.SignatureData memory data = _signatureData(_pks3(), env, 100);
        bytes[] memory two = new bytes[](2);
        two[0] = data.signatures[0];
        two[1] = data.signatures[1];
        data.signatures = two;
        vm.expectRevert(IWavsServiceManager.InvalidSignatureLength.selector);
        manager.validate(env, data);
    }

    function test_validate_revertsOnShortSignature() public {
        IWavsServiceHandler.SignatureData memory data = _signatureData(_pks3(), env, 100);
        data.signatures[1] = new bytes(64);
        vm.expectRevert(IWavsServiceManager.InvalidSignatureLength.selector);
        manager.validate(env, data);
    }

    function test_validate_revertsOnLongSignature() public {
        IWavsServiceHandler.SignatureData memory data = _signatureData(_pks3(), env, 100);
        data.signatures[2] = bytes.concat(data.signatures[2], hex"00");
        vm.expectRevert(IWavsServiceManager.InvalidSignatureLength.selector);
        manager.validate(env, data);
    }

    function test_validate_revertsOnCurrentReferenceBlock() public {
        vm.expectRevert(IWavsServiceManager.InvalidSignatureBlock.selector);
        manager.validate(env, _signatureData(_pks3(), env, 101));
    }

    function test_validate_revertsOnFutureReferenceBlock() public {
        vm.expectRevert(IWavsServiceManager.InvalidSignatureBlock.selector);
        manager.validate(env, _signatureData(_pks3(), env, type(uint32).max));
    }

    function test_validate_revertsOnTooOldReferenceBlock() public {
        vm.expectEmit(false, false, false, true);
        emit WavsServiceManagerBase.MaxReferenceBlockAgeUpdated(10);
        vm.prank(owner);
        manager.setMaxReferenceBlockAge(10);
        assertEq(manager.getMaxReferenceBlockAge(), 10);
        vm.roll(110);
        // block.number - referenceBlock == 10: still fine.
        manager.validate(env, _signatureData(_pks3(), env, 100));
        vm.roll(111);
        vm.expectRevert(IWavsServiceManager.InvalidSignatureBlock.selector);
        manager.validate(env, _signatureData(_pks3(), env, 100));
        manager.validate(env, _signatureData(_pks3(), env, 110));
        // Zero lifts the limit.
        vm.prank(owner);
        manager.setMaxReferenceBlockAge(0);
        manager.validate(env, _signatureData(_pks3(), env, 100));
    }

    function test_setMaxReferenceBlockAge_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        manager.setMaxReferenceBlockAge(1);
    }

    function test_validate_revertsOnUnsortedSigners() public {
        IWavsServiceHandler.SignatureData memory data = _signatureData(_pks3(), env, 100);
        (data.signers[0], data.signers[1]) = (data.signers[1], data.signers[0]);
        (data.signatures[0], data.signatures[1]) = (data.signatures[1], data.signatures[0]);
        vm.expectRevert(IWavsServiceManager.InvalidSignatureOrder.selector);
        manager.validate(env, data);
    }

    function test_validate_revertsOnDuplicateSigner() public {
        IWavsServiceHandler.SignatureData memory data = _signatureData(_pks2(carol, carol), env, 100);
        vm.expectRevert(IWavsServiceManager.InvalidSignatureOrder.selector);
        manager.validate(env, data);
    }

    function test_validate_revertsOnSignatureOverOtherEnvelope() public {
        IWavsServiceHandler.Envelope memory other = _envelope(env.eventId, "hellO");
        vm.expectRevert(IWavsServiceManager.InvalidSignature.selector);
        manager.validate(env, _signatureData(_pks3(), other, 100));
    }

    function test_validate_revertsOnSignatureByOtherKey() public {
        IWavsServiceHandler.SignatureData memory data = _signatureData(_pks3(), env, 100);
        data.signatures[0] = _signEnvelope(_pk("mallory", 0), env);
        vm.expectRevert(IWavsServiceManager.InvalidSignature.selector);
        manager.validate(env, data);
    }

    function test_validate_revertsOnMalleableSignature() public {
        IWavsServiceHandler.SignatureData memory data = _signatureData(_pks3(), env, 100);
        bytes memory sig = data.signatures[0];
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
            v := byte(0, mload(add(sig, 0x60)))
        }
        // (r, n - s, v ^ 1) recovers to the same key but is not canonical.
        data.signatures[0] = abi.encodePacked(r, bytes32(N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(IWavsServiceManager.InvalidSignature.selector);
        manager.validate(env, data);
    }

    function test_validate_revertsOnBadRecoveryId() public {
        IWavsServiceHandler.SignatureData memory data = _signatureData(_pks3(), env, 100);
        data.signatures[1][64] = bytes1(uint8(1));
        vm.expectRevert(IWavsServiceManager.InvalidSignature.selector);
        manager.validate(env, data);
    }

    function test_validate_revertsOnZeroTotalWeight() public {
        // Block 99: before anyone registered.
        vm.expectRevert(IWavsServiceManager.InsufficientQuorumZero.selector);
        manager.validate(env, _signatureData(_pks3(), env, 99));
    }

    function test_validate_revertsOnZeroSignedWeight() public {
        vm.expectRevert(IWavsServiceManager.InsufficientQuorumZero.selector);
        manager.validate(env, _signatureData(_one(_pk("nobody", 0)), env, 100));
    }

    function test_validate_revertsBelowThreshold() public {
        // bob + carol... no: alice + bob = 300 < 400.
        vm.expectRevert(abi.encodeWithSelector(IWavsServiceManager.InsufficientQuorum.selector, 300, 400, 600));
        manager.validate(env, _signatureData(_pks2(alice, bob), env, 100));
    }

    function test_validate_revertsOnInvalidQuorumBeforeDeployment() public {
        // A weight source that reports weight for blocks before the manager existed.
        FixedWeightServiceManager fixedManager = new FixedWeightServiceManager(owner, 1, 2);
        fixedManager.setWeight(alice.signingKey, 10);
        vm.roll(102);
        fixedManager.validate(env, _signatureData(_one(alice.signingPk), env, 101));
        vm.expectRevert(IWavsServiceManager.InvalidQuorumParameters.selector);
        fixedManager.validate(env, _signatureData(_one(alice.signingPk), env, 50));
    }

    // -------------------------------------------------------------------------------------
    // validate: the reference block fixes the verdict
    // -------------------------------------------------------------------------------------

    function test_validate_usesWeightsAtReferenceBlock() public {
        IWavsServiceHandler.SignatureData memory aliceCarol = _signatureData(_pks2(alice, carol), env, 100);
        // Block 101: carol's weight drops, bob's grows, the quorum rises, bob is removed.
        vm.startPrank(owner);
        manager.updateOperatorWeight(carol.addr, 1);
        manager.updateQuorum(1, 1);
        manager.deregisterOperator(bob.addr);
        vm.stopPrank();
        vm.roll(102);
        // Reference block 100 still sees the old world.
        manager.validate(env, aliceCarol);
        manager.validate(env, _signatureData(_pks2(bob, carol), env, 100));
        // Reference block 101 sees the new one: total 101, quorum 1/1.
        IWavsServiceHandler.SignatureData memory now_ = _signatureData(_pks2(alice, carol), env, 101);
        manager.validate(env, now_);
        vm.expectRevert(abi.encodeWithSelector(IWavsServiceManager.InsufficientQuorum.selector, 100, 101, 101));
        manager.validate(env, _signatureData(_one(alice.signingPk), env, 101));
        // bob's key no longer counts.
        vm.expectRevert(IWavsServiceManager.InsufficientQuorumZero.selector);
        manager.validate(env, _signatureData(_one(bob.signingPk), env, 101));
    }

    function test_validate_rotatedKeyCountsOnlyFromItsBlock() public {
        uint256 newPk = _pk("carol-rotated", 0);
        bytes memory proof = _bindingSignature(manager, newPk, carol.addr);
        vm.prank(carol.addr);
        manager.updateOperatorSigningKey(vm.addr(newPk), proof);
        vm.roll(102);
        uint256[] memory withNew = _pks2(alice, carol);
        withNew[1] = newPk;
        // At block 100 the new key was nobody's: only alice's 100 counts.
        vm.expectRevert(abi.encodeWithSelector(IWavsServiceManager.InsufficientQuorum.selector, 100, 400, 600));
        manager.validate(env, _signatureData(withNew, env, 100));
        manager.validate(env, _signatureData(withNew, env, 101));
        // The old key still counts at 100, no longer at 101.
        manager.validate(env, _signatureData(_pks2(alice, carol), env, 100));
        vm.expectRevert(abi.encodeWithSelector(IWavsServiceManager.InsufficientQuorum.selector, 100, 400, 600));
        manager.validate(env, _signatureData(_pks2(alice, carol), env, 101));
    }
}
