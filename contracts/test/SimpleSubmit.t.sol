// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IWavsServiceHandler} from "../src/interfaces/IWavsServiceHandler.sol";
import {IWavsServiceManager} from "../src/interfaces/IWavsServiceManager.sol";
import {WavsServiceManager} from "../src/WavsServiceManager.sol";
import {SimpleSubmit} from "../src/examples/SimpleSubmit.sol";
import {WavsTestBase} from "./utils/WavsTestBase.sol";

contract SimpleSubmitTest is WavsTestBase {
    event EnvelopeHandled(bytes20 indexed eventId, bytes12 ordering, bytes payload);

    SimpleSubmit internal submit;
    Operator internal alice;
    Operator internal bob;
    address internal aggregator = makeAddr("aggregator");

    function setUp() public {
        vm.roll(10);
        manager = new WavsServiceManager(owner, 1, 2);
        submit = new SimpleSubmit(manager);
        alice = _newOperator("alice", 0);
        bob = _newOperator("bob", 0);
        _enroll(manager, alice, 1);
        _enroll(manager, bob, 1);
        vm.roll(11);
    }

    function test_constructor_revertsOnZeroManager() public {
        vm.expectRevert(SimpleSubmit.InvalidServiceManager.selector);
        new SimpleSubmit(IWavsServiceManager(address(0)));
    }

    function test_getServiceManager() public view {
        assertEq(submit.getServiceManager(), address(manager));
    }

    function test_handleSignedEnvelope_storesAndEmits() public {
        IWavsServiceHandler.Envelope memory env = IWavsServiceHandler.Envelope({
            eventId: bytes20(keccak256("event-1")), ordering: bytes12(bytes8(uint64(7))), payload: hex"c0ffee"
        });
        IWavsServiceHandler.SignatureData memory data = _signatureData(_one(alice.signingPk), env, 10);
        vm.expectEmit(true, false, false, true, address(submit));
        emit EnvelopeHandled(env.eventId, env.ordering, env.payload);
        vm.prank(aggregator);
        submit.handleSignedEnvelope(env, data);
        assertTrue(submit.isHandled(env.eventId));
        assertEq(submit.getPayload(env.eventId), hex"c0ffee");
        assertEq(submit.handledCount(), 1);
        assertFalse(submit.isHandled(bytes20(keccak256("event-2"))));
        assertEq(submit.getPayload(bytes20(keccak256("event-2"))), "");
    }

    function test_handleSignedEnvelope_emptyPayloadIsStillHandledOnce() public {
        IWavsServiceHandler.Envelope memory env = _envelope(bytes20(uint160(1)), "");
        IWavsServiceHandler.SignatureData memory data = _signatureData(_one(bob.signingPk), env, 10);
        submit.handleSignedEnvelope(env, data);
        assertTrue(submit.isHandled(env.eventId));
        vm.expectRevert(abi.encodeWithSelector(SimpleSubmit.EventAlreadyHandled.selector, env.eventId));
        submit.handleSignedEnvelope(env, data);
    }

    function test_handleSignedEnvelope_rejectsReplay() public {
        IWavsServiceHandler.Envelope memory env = _envelope(bytes20(uint160(42)), "once");
        uint256[] memory both = new uint256[](2);
        both[0] = alice.signingPk;
        both[1] = bob.signingPk;
        submit.handleSignedEnvelope(env, _signatureData(both, env, 10));
        // The same envelope with other valid signatures, a later reference block, or another
        // payload under the same event id: all rejected.
        vm.roll(20);
        IWavsServiceHandler.SignatureData memory again = _signatureData(_one(bob.signingPk), env, 19);
        vm.expectRevert(abi.encodeWithSelector(SimpleSubmit.EventAlreadyHandled.selector, env.eventId));
        submit.handleSignedEnvelope(env, again);
        IWavsServiceHandler.Envelope memory other = _envelope(env.eventId, "twice");
        IWavsServiceHandler.SignatureData memory otherData = _signatureData(both, other, 19);
        vm.expectRevert(abi.encodeWithSelector(SimpleSubmit.EventAlreadyHandled.selector, env.eventId));
        submit.handleSignedEnvelope(other, otherData);
        assertEq(submit.getPayload(env.eventId), "once");
        assertEq(submit.handledCount(), 1);
    }

    function test_handleSignedEnvelope_propagatesValidationErrors() public {
        IWavsServiceHandler.Envelope memory env = _envelope(bytes20(uint160(5)), "x");
        IWavsServiceHandler.SignatureData memory stale = _signatureData(_one(alice.signingPk), env, 11);
        vm.expectRevert(IWavsServiceManager.InvalidSignatureBlock.selector);
        submit.handleSignedEnvelope(env, stale);
        IWavsServiceHandler.SignatureData memory nobody = _signatureData(_one(_pk("nobody", 0)), env, 10);
        vm.expectRevert(IWavsServiceManager.InsufficientQuorumZero.selector);
        submit.handleSignedEnvelope(env, nobody);
        IWavsServiceHandler.Envelope memory tampered = _envelope(env.eventId, "y");
        IWavsServiceHandler.SignatureData memory forEnv = _signatureData(_one(alice.signingPk), env, 10);
        vm.expectRevert(IWavsServiceManager.InvalidSignature.selector);
        submit.handleSignedEnvelope(tampered, forEnv);
        // Nothing was recorded, so a valid submission still goes through.
        assertFalse(submit.isHandled(env.eventId));
        submit.handleSignedEnvelope(env, forEnv);
        assertTrue(submit.isHandled(env.eventId));
    }

    function test_handleSignedEnvelope_belowQuorum() public {
        vm.prank(owner);
        manager.updateQuorum(1, 1);
        vm.roll(12);
        IWavsServiceHandler.Envelope memory env = _envelope(bytes20(uint160(6)), "x");
        IWavsServiceHandler.SignatureData memory data = _signatureData(_one(alice.signingPk), env, 11);
        vm.expectRevert(abi.encodeWithSelector(IWavsServiceManager.InsufficientQuorum.selector, 1, 2, 2));
        submit.handleSignedEnvelope(env, data);
    }
}
