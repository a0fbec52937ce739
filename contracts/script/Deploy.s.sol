// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script, console} from "forge-std/Script.sol";

import {WavsServiceManager} from "../src/WavsServiceManager.sol";
import {SimpleSubmit} from "../src/examples/SimpleSubmit.sol";
import {SimpleTrigger} from "../src/examples/SimpleTrigger.sol";

/// @notice Deploys a service manager, the example handler and the example trigger.
/// @dev `forge script script/Deploy.s.sol --rpc-url $RPC --broadcast` from contracts/.
///      Environment: PRIVATE_KEY (deployer and owner; default: anvil's first account),
///      QUORUM_NUMERATOR / QUORUM_DENOMINATOR (default 2/3), SERVICE_URI (optional),
///      OPERATORS (optional, comma-separated addresses, registered with weight 1).
///      The `wavs` binary deploys from the same artifacts in out/ without this script.
contract Deploy is Script {
    uint256 internal constant ANVIL_KEY_0 = 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;

    function run() external returns (WavsServiceManager manager, SimpleSubmit submit, SimpleTrigger trigger) {
        uint256 key = vm.envOr("PRIVATE_KEY", ANVIL_KEY_0);
        uint256 numerator = vm.envOr("QUORUM_NUMERATOR", uint256(2));
        uint256 denominator = vm.envOr("QUORUM_DENOMINATOR", uint256(3));
        string memory serviceURI = vm.envOr("SERVICE_URI", string(""));
        address[] memory operators = vm.envOr("OPERATORS", ",", new address[](0));

        vm.startBroadcast(key);
        manager = new WavsServiceManager(vm.addr(key), numerator, denominator);
        submit = new SimpleSubmit(manager);
        trigger = new SimpleTrigger();
        if (bytes(serviceURI).length != 0) manager.setServiceURI(serviceURI);
        for (uint256 i = 0; i < operators.length; ++i) {
            manager.registerOperator(operators[i], 1);
        }
        vm.stopBroadcast();

        console.log("WavsServiceManager", address(manager));
        console.log("SimpleSubmit", address(submit));
        console.log("SimpleTrigger", address(trigger));
    }
}
