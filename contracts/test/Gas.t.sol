// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {console} from "forge-std/console.sol";

import {IWavsServiceHandler} from "../src/interfaces/IWavsServiceHandler.sol";
import {WavsServiceManager} from "../src/WavsServiceManager.sol";
import {SimpleSubmit} from "../src/examples/SimpleSubmit.sol";
import {PerOperatorSubmit} from "./mocks/PerOperatorSubmit.sol";
import {WavsTestBase} from "./utils/WavsTestBase.sol";

/// @dev The gas table of docs/contracts.md. N operators of equal weight, quorum 2/3, all N
///      sign an envelope with a 32-byte payload:
///      - aggregated: one `handleSignedEnvelope` transaction carrying N signatures;
///      - on their own: N transactions, each operator sending its own signature to
///        `PerOperatorSubmit`, which tallies weight and stores the payload at quorum.
///      Run with `--isolate -vv` so every call is a transaction of its own (cold storage,
///      21000 base and calldata included); without it the figures are execution gas only.
abstract contract GasTableBase is WavsTestBase {
    SimpleSubmit internal submit;
    PerOperatorSubmit internal perOperator;
    uint256[] internal pks;
    IWavsServiceHandler.Envelope internal env;

    function _signers() internal pure virtual returns (uint256);

    function setUp() public {
        vm.roll(100);
        manager = new WavsServiceManager(owner, 2, 3);
        submit = new SimpleSubmit(manager);
        perOperator = new PerOperatorSubmit(manager);
        for (uint256 i = 0; i < _signers(); ++i) {
            Operator memory op = _newOperator("gas", i);
            _enroll(manager, op, 1 ether);
            pks.push(op.signingPk);
        }
        env = _envelope(bytes20(keccak256("gas-event")), abi.encode(uint256(keccak256("result"))));
        vm.roll(101);
    }

    function test_gas_aggregated() public {
        IWavsServiceHandler.SignatureData memory data = _signatureData(pks, env, 100);
        submit.handleSignedEnvelope(env, data);
        uint256 gas = vm.lastCallGas().gasTotalUsed;
        assertTrue(submit.isHandled(env.eventId));
        console.log("aggregated: signers, gas", _signers(), gas);
    }

    function test_gas_eachOperatorOnItsOwn() public {
        uint256 total = 0;
        for (uint256 i = 0; i < pks.length; ++i) {
            perOperator.submit(env, _signEnvelope(pks[i], env), 100);
            total += vm.lastCallGas().gasTotalUsed;
        }
        assertTrue(perOperator.handled(env.eventId));
        console.log("on their own: operators, gas", _signers(), total);
    }
}

contract GasTable1 is GasTableBase {
    function _signers() internal pure override returns (uint256) {
        return 1;
    }
}

contract GasTable3 is GasTableBase {
    function _signers() internal pure override returns (uint256) {
        return 3;
    }
}

contract GasTable10 is GasTableBase {
    function _signers() internal pure override returns (uint256) {
        return 10;
    }
}

contract GasTable20 is GasTableBase {
    function _signers() internal pure override returns (uint256) {
        return 20;
    }
}
