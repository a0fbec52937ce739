// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Test.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {IWavsServiceHandler} from "../src/interfaces/IWavsServiceHandler.sol";
import {WavsServiceManager} from "../src/WavsServiceManager.sol";
import {SimpleSubmit} from "../src/examples/SimpleSubmit.sol";
import {SimpleTrigger} from "../src/examples/SimpleTrigger.sol";
import {WavsTestBase} from "./utils/WavsTestBase.sol";

/// @dev test/vectors/signing.json was produced with cast, independently of these contracts;
///      the C++ side can test its ABI encoding, hashing and signing against the same file.
///      Here the contracts and vm.sign must reproduce every value in it.
contract VectorsTest is WavsTestBase {
    string internal json;

    function setUp() public {
        json = vm.readFile(string.concat(vm.projectRoot(), "/test/vectors/signing.json"));
    }

    function _envelopeAt(uint256 i) internal view returns (IWavsServiceHandler.Envelope memory env) {
        string memory p = string.concat(".envelopes[", vm.toString(i), "]");
        env.eventId = bytes20(vm.parseJsonBytes(json, string.concat(p, ".event_id")));
        env.ordering = bytes12(vm.parseJsonBytes(json, string.concat(p, ".ordering")));
        env.payload = vm.parseJsonBytes(json, string.concat(p, ".payload"));
    }

    function _key(uint256 i) internal view returns (uint256) {
        return vm.parseJsonUint(json, string.concat(".signing_keys[", vm.toString(i), "].private_key"));
    }

    function _sign(uint256 pk, bytes32 hash) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, hash);
        return abi.encodePacked(r, s, v);
    }

    function test_vectors_keys() public view {
        assertEq(
            vm.addr(vm.parseJsonUint(json, ".operator.private_key")), vm.parseJsonAddress(json, ".operator.address")
        );
        for (uint256 i = 0; i < 2; ++i) {
            assertEq(
                vm.addr(_key(i)),
                vm.parseJsonAddress(json, string.concat(".signing_keys[", vm.toString(i), "].address"))
            );
        }
    }

    function test_vectors_envelopes() public {
        manager = new WavsServiceManager(owner, 1, 1);
        for (uint256 i = 0; i < 2; ++i) {
            string memory p = string.concat(".envelopes[", vm.toString(i), "]");
            IWavsServiceHandler.Envelope memory env = _envelopeAt(i);
            assertEq(abi.encode(env), vm.parseJsonBytes(json, string.concat(p, ".abi_encoded")));
            bytes32 digest = vm.parseJsonBytes32(json, string.concat(p, ".digest"));
            assertEq(manager.envelopeDigest(env), digest);
            bytes32 hash = vm.parseJsonBytes32(json, string.concat(p, ".eip191_hash"));
            assertEq(MessageHashUtils.toEthSignedMessageHash(digest), hash);
            for (uint256 k = 0; k < 2; ++k) {
                assertEq(
                    _sign(_key(k), hash), vm.parseJsonBytes(json, string.concat(p, ".signatures[", vm.toString(k), "]"))
                );
            }
        }
    }

    function test_vectors_bindingAndSubmission() public {
        address operator = vm.parseJsonAddress(json, ".operator.address");
        bytes32 bindingDigest = vm.parseJsonBytes32(json, ".binding.digest");
        bytes memory proof = vm.parseJsonBytes(json, ".binding.signature");
        uint32 referenceBlock = uint32(vm.parseJsonUint(json, ".handle_signed_envelope.reference_block"));

        vm.roll(referenceBlock);
        manager = new WavsServiceManager(owner, 1, 1);
        SimpleSubmit submit = new SimpleSubmit(manager);
        assertEq(manager.signingKeyBindingDigest(operator), bindingDigest);
        assertEq(_sign(_key(0), MessageHashUtils.toEthSignedMessageHash(bindingDigest)), proof);
        vm.prank(owner);
        manager.registerOperator(operator, 1);
        vm.prank(operator);
        manager.updateOperatorSigningKey(vm.addr(_key(0)), proof);

        // The second key belongs to a second operator, bound with a proof made here.
        address second = makeAddr("second operator");
        vm.prank(owner);
        manager.registerOperator(second, 1);
        bytes memory secondProof = _bindingSignature(manager, _key(1), second);
        vm.prank(second);
        manager.updateOperatorSigningKey(vm.addr(_key(1)), secondProof);
        vm.roll(referenceBlock + 1);

        IWavsServiceHandler.Envelope memory env = _envelopeAt(0);
        IWavsServiceHandler.SignatureData memory data;
        data.signers = new address[](2);
        data.signers[0] = vm.parseJsonAddress(json, ".signing_keys[0].address");
        data.signers[1] = vm.parseJsonAddress(json, ".signing_keys[1].address");
        data.signatures = new bytes[](2);
        data.signatures[0] = vm.parseJsonBytes(json, ".envelopes[0].signatures[0]");
        data.signatures[1] = vm.parseJsonBytes(json, ".envelopes[0].signatures[1]");
        data.referenceBlock = referenceBlock;
        bytes memory callData = vm.parseJsonBytes(json, ".handle_signed_envelope.calldata");
        assertEq(abi.encodeCall(SimpleSubmit.handleSignedEnvelope, (env, data)), callData);

        (bool ok,) = address(submit).call(callData);
        assertTrue(ok);
        assertEq(submit.getPayload(env.eventId), env.payload);
    }

    function test_vectors_newTrigger() public {
        SimpleTrigger trigger = new SimpleTrigger();
        vm.recordLogs();
        vm.prank(vm.parseJsonAddress(json, ".new_trigger.creator"));
        trigger.addTrigger(vm.parseJsonBytes(json, ".new_trigger.data"));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs[0].topics[0], vm.parseJsonBytes32(json, ".new_trigger.topic0"));
        assertEq(logs[0].data, vm.parseJsonBytes(json, ".new_trigger.log_data"));
    }
}
