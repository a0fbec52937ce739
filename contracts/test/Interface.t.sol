// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {IWavsServiceHandler} from "../src/interfaces/IWavsServiceHandler.sol";
import {IWavsServiceManager} from "../src/interfaces/IWavsServiceManager.sol";
import {SimpleTrigger} from "../src/examples/SimpleTrigger.sol";

/// @dev Pins the on-chain interface to upstream WAVS's canonical signatures: a handler or a
///      client built against upstream sees the same selectors, error data and event topics.
contract InterfaceTest is Test {
    string internal constant ENVELOPE = "(bytes20,bytes12,bytes)";
    string internal constant SIGNATURE_DATA = "(address[],bytes[],uint32)";

    function _sel(string memory signature) internal pure returns (bytes4) {
        return bytes4(keccak256(bytes(signature)));
    }

    function test_handlerSelectors() public pure {
        assertEq(
            IWavsServiceHandler.handleSignedEnvelope.selector,
            _sel(string.concat("handleSignedEnvelope(", ENVELOPE, ",", SIGNATURE_DATA, ")"))
        );
        assertEq(IWavsServiceHandler.getServiceManager.selector, _sel("getServiceManager()"));
    }

    function test_managerSelectors() public pure {
        assertEq(
            IWavsServiceManager.validate.selector, _sel(string.concat("validate(", ENVELOPE, ",", SIGNATURE_DATA, ")"))
        );
        assertEq(IWavsServiceManager.getServiceURI.selector, _sel("getServiceURI()"));
        assertEq(IWavsServiceManager.setServiceURI.selector, _sel("setServiceURI(string)"));
        assertEq(IWavsServiceManager.getOperatorWeight.selector, _sel("getOperatorWeight(address)"));
        assertEq(
            IWavsServiceManager.getLatestOperatorForSigningKey.selector, _sel("getLatestOperatorForSigningKey(address)")
        );
    }

    function test_managerErrors() public pure {
        assertEq(IWavsServiceManager.InvalidSignatureLength.selector, _sel("InvalidSignatureLength()"));
        assertEq(IWavsServiceManager.InvalidSignatureBlock.selector, _sel("InvalidSignatureBlock()"));
        assertEq(IWavsServiceManager.InvalidSignatureOrder.selector, _sel("InvalidSignatureOrder()"));
        assertEq(IWavsServiceManager.InvalidSignature.selector, _sel("InvalidSignature()"));
        assertEq(IWavsServiceManager.InsufficientQuorumZero.selector, _sel("InsufficientQuorumZero()"));
        assertEq(IWavsServiceManager.InsufficientQuorum.selector, _sel("InsufficientQuorum(uint256,uint256,uint256)"));
        assertEq(IWavsServiceManager.InvalidQuorumParameters.selector, _sel("InvalidQuorumParameters()"));
    }

    function test_events() public pure {
        assertEq(IWavsServiceManager.ServiceURIUpdated.selector, keccak256("ServiceURIUpdated(string)"));
        assertEq(
            IWavsServiceManager.QuorumThresholdUpdated.selector, keccak256("QuorumThresholdUpdated(uint256,uint256)")
        );
        assertEq(SimpleTrigger.NewTrigger.selector, keccak256("NewTrigger(bytes)"));
    }
}
