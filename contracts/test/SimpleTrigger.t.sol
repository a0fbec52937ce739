// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test, Vm} from "forge-std/Test.sol";

import {SimpleTrigger} from "../src/examples/SimpleTrigger.sol";

contract SimpleTriggerTest is Test {
    event NewTrigger(bytes triggerInfo);

    SimpleTrigger internal trigger;
    address internal user = makeAddr("user");

    function setUp() public {
        trigger = new SimpleTrigger();
    }

    function test_addTrigger_emitsEncodedInfo() public {
        bytes memory expected =
            abi.encode(SimpleTrigger.TriggerInfo({triggerId: 1, creator: user, data: hex"deadbeef"}));
        vm.expectEmit(false, false, false, true, address(trigger));
        emit NewTrigger(expected);
        vm.prank(user);
        assertEq(trigger.addTrigger(hex"deadbeef"), 1);
    }

    function test_addTrigger_incrementsAndStores() public {
        vm.prank(user);
        trigger.addTrigger("first");
        vm.prank(address(this));
        uint64 id = trigger.addTrigger("second");
        assertEq(id, 2);
        assertEq(trigger.lastTriggerId(), 2);
        SimpleTrigger.TriggerInfo memory one = trigger.getTrigger(1);
        assertEq(one.triggerId, 1);
        assertEq(one.creator, user);
        assertEq(one.data, "first");
        SimpleTrigger.TriggerInfo memory two = trigger.getTrigger(2);
        assertEq(two.creator, address(this));
        assertEq(two.data, "second");
    }

    function test_newTrigger_topicAndDecoding() public {
        vm.recordLogs();
        vm.prank(user);
        trigger.addTrigger("payload");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        // topic0 is what a workflow's evm_contract_event trigger names as event_hash.
        assertEq(logs[0].topics[0], keccak256("NewTrigger(bytes)"));
        bytes memory info = abi.decode(logs[0].data, (bytes));
        // The struct has a dynamic member, so it is encoded as one dynamic tuple: an offset
        // word 0x20, then (triggerId, creator, offset of data 0x60, data length, data).
        assertEq(uint256(bytes32(info)), 0x20);
        SimpleTrigger.TriggerInfo memory decoded = abi.decode(info, (SimpleTrigger.TriggerInfo));
        assertEq(decoded.triggerId, 1);
        assertEq(decoded.creator, user);
        assertEq(decoded.data, "payload");
    }

    function test_getTrigger_revertsOnUnknownId() public {
        vm.expectRevert(abi.encodeWithSelector(SimpleTrigger.UnknownTrigger.selector, uint64(0)));
        trigger.getTrigger(0);
        trigger.addTrigger("x");
        vm.expectRevert(abi.encodeWithSelector(SimpleTrigger.UnknownTrigger.selector, uint64(2)));
        trigger.getTrigger(2);
    }

    function testFuzz_addTrigger(bytes calldata data, address creator) public {
        vm.prank(creator);
        uint64 id = trigger.addTrigger(data);
        SimpleTrigger.TriggerInfo memory info = trigger.getTrigger(id);
        assertEq(info.creator, creator);
        assertEq(info.data, data);
    }
}
