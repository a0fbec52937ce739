// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IWavsServiceHandler} from "../src/interfaces/IWavsServiceHandler.sol";
import {IWavsServiceManager} from "../src/interfaces/IWavsServiceManager.sol";
import {WavsServiceManager} from "../src/WavsServiceManager.sol";
import {WavsTestBase} from "./utils/WavsTestBase.sol";

/// @dev Random operator sets (1-20 operators), weights and quorums; signatures made with
///      vm.sign. `validate` must accept exactly when the signed weight reaches the threshold,
///      and reject every tampered submission.
contract WavsServiceManagerFuzzTest is WavsTestBase {
    uint256 internal constant MAX_OPERATORS = 20;
    uint32 internal constant START_BLOCK = 1_000;

    struct World {
        Operator[] ops;
        uint256[] weights;
        uint256 total;
        uint256 numerator;
        uint256 denominator;
    }

    IWavsServiceHandler.Envelope internal env;

    function setUp() public {
        env = IWavsServiceHandler.Envelope({
            eventId: bytes20(keccak256("fuzz-event")), ordering: bytes12(0), payload: "fuzzed payload"
        });
    }

    /// @dev A manager at START_BLOCK with `n` operators enrolled; the chain is then at START_BLOCK + 1.
    function _world(uint256 seed, uint256 n, uint256 maxWeight, uint256 numerator, uint256 denominator)
        internal
        returns (World memory w)
    {
        n = bound(n, 1, MAX_OPERATORS);
        w.denominator = bound(denominator, 1, 1_000_000);
        w.numerator = bound(numerator, 1, w.denominator);
        maxWeight = bound(maxWeight, 1, 1e30);
        vm.roll(START_BLOCK);
        manager = new WavsServiceManager(owner, w.numerator, w.denominator);
        w.ops = new Operator[](n);
        w.weights = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            w.ops[i] = _seededOperator(seed, i);
            w.weights[i] = bound(uint256(keccak256(abi.encode(seed, "weight", i))), 1, maxWeight);
            w.total += w.weights[i];
            _enroll(manager, w.ops[i], w.weights[i]);
        }
        vm.roll(START_BLOCK + 1);
    }

    function _seededOperator(uint256 seed, uint256 i) internal pure returns (Operator memory op) {
        op.addr = vm.addr(_pk(string(abi.encode(seed, "operator")), i));
        op.signingPk = _pk(string(abi.encode(seed, "signer")), i);
        op.signingKey = vm.addr(op.signingPk);
    }

    /// @dev The operators picked by `mask` (at least one), their keys and their weight.
    function _subset(World memory w, uint256 mask) internal pure returns (uint256[] memory pks, uint256 weight) {
        uint256 n = w.ops.length;
        mask &= (1 << n) - 1;
        if (mask == 0) mask = 1 << (uint256(keccak256(abi.encode(w.total))) % n);
        uint256 count = 0;
        for (uint256 i = 0; i < n; ++i) {
            if (mask & (1 << i) != 0) ++count;
        }
        pks = new uint256[](count);
        uint256 k = 0;
        for (uint256 i = 0; i < n; ++i) {
            if (mask & (1 << i) != 0) {
                pks[k++] = w.ops[i].signingPk;
                weight += w.weights[i];
            }
        }
    }

    function _allKeys(World memory w) internal pure returns (uint256[] memory pks) {
        pks = new uint256[](w.ops.length);
        for (uint256 i = 0; i < w.ops.length; ++i) {
            pks[i] = w.ops[i].signingPk;
        }
    }

    /// @dev Outcome of validate as (success, revert data), for comparing verdicts.
    function _verdict(IWavsServiceHandler.Envelope memory e, IWavsServiceHandler.SignatureData memory data)
        internal
        view
        returns (bool ok, bytes memory ret)
    {
        (ok, ret) = address(manager).staticcall(abi.encodeCall(IWavsServiceManager.validate, (e, data)));
    }

    // -------------------------------------------------------------------------------------

    function testFuzz_validate_acceptsExactlyAtThreshold(
        uint256 seed,
        uint256 n,
        uint256 maxWeight,
        uint256 numerator,
        uint256 denominator,
        uint256 mask
    ) public {
        World memory w = _world(seed, n, maxWeight, numerator, denominator);
        (uint256[] memory pks, uint256 signed) = _subset(w, mask);
        IWavsServiceHandler.SignatureData memory data = _signatureData(pks, env, START_BLOCK);
        uint256 threshold = (w.total * w.numerator + w.denominator - 1) / w.denominator;
        assertEq(manager.getThresholdWeight(), threshold);
        if (signed * w.denominator >= w.total * w.numerator) {
            manager.validate(env, data);
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(IWavsServiceManager.InsufficientQuorum.selector, signed, threshold, w.total)
            );
            manager.validate(env, data);
        }
    }

    /// @dev Every subset of five operators (weights 1, 2, 3, 5, 8) against quorums whose
    ///      thresholds fall on and between achievable sums: accepted exactly at the threshold.
    function test_validate_thresholdBoundaryExhaustive() public {
        uint256[5] memory weights = [uint256(1), 2, 3, 5, 8];
        uint256[2][8] memory quorums = [
            [uint256(1), 19],
            [uint256(1), 3],
            [uint256(1), 2],
            [uint256(10), 19],
            [uint256(2), 3],
            [uint256(3), 4],
            [uint256(18), 19],
            [uint256(1), 1]
        ];
        for (uint256 q = 0; q < quorums.length; ++q) {
            vm.roll(START_BLOCK);
            manager = new WavsServiceManager(owner, quorums[q][0], quorums[q][1]);
            Operator[] memory ops = new Operator[](5);
            for (uint256 i = 0; i < 5; ++i) {
                ops[i] = _seededOperator(q, i);
                _enroll(manager, ops[i], weights[i]);
            }
            vm.roll(START_BLOCK + 1);
            uint256 threshold = (19 * quorums[q][0] + quorums[q][1] - 1) / quorums[q][1];
            for (uint256 mask = 1; mask < 32; ++mask) {
                uint256 count = 0;
                uint256 signed = 0;
                for (uint256 i = 0; i < 5; ++i) {
                    if (mask & (1 << i) != 0) {
                        ++count;
                        signed += weights[i];
                    }
                }
                uint256[] memory pks = new uint256[](count);
                uint256 k = 0;
                for (uint256 i = 0; i < 5; ++i) {
                    if (mask & (1 << i) != 0) pks[k++] = ops[i].signingPk;
                }
                (bool ok, bytes memory ret) = _verdict(env, _signatureData(pks, env, START_BLOCK));
                assertEq(ok, signed >= threshold);
                if (!ok) {
                    assertEq(
                        ret,
                        abi.encodeWithSelector(IWavsServiceManager.InsufficientQuorum.selector, signed, threshold, 19)
                    );
                }
            }
        }
    }

    function testFuzz_validate_allSignersAlwaysSuffice(
        uint256 seed,
        uint256 n,
        uint256 maxWeight,
        uint256 numerator,
        uint256 denominator
    ) public {
        World memory w = _world(seed, n, maxWeight, numerator, denominator);
        manager.validate(env, _signatureData(_allKeys(w), env, START_BLOCK));
    }

    function testFuzz_validate_rejectsReordering(uint256 seed, uint256 n, uint256 i, uint256 j) public {
        World memory w = _world(seed, bound(n, 2, MAX_OPERATORS), 1e18, 1, 1);
        IWavsServiceHandler.SignatureData memory data = _signatureData(_allKeys(w), env, START_BLOCK);
        uint256 len = data.signers.length;
        i = bound(i, 0, len - 1);
        j = bound(j, 0, len - 2);
        if (j >= i) ++j; // j != i
        (data.signers[i], data.signers[j]) = (data.signers[j], data.signers[i]);
        (data.signatures[i], data.signatures[j]) = (data.signatures[j], data.signatures[i]);
        vm.expectRevert(IWavsServiceManager.InvalidSignatureOrder.selector);
        manager.validate(env, data);
    }

    function testFuzz_validate_rejectsDuplicate(uint256 seed, uint256 n, uint256 mask, uint256 from, uint256 pos)
        public
    {
        World memory w = _world(seed, n, 1e18, 1, 2);
        (uint256[] memory pks,) = _subset(w, mask);
        IWavsServiceHandler.SignatureData memory data = _signatureData(pks, env, START_BLOCK);
        uint256 len = data.signers.length;
        from = bound(from, 0, len - 1);
        pos = bound(pos, 0, len);
        // Insert a copy of signer `from` (with its valid signature) at position `pos`.
        address[] memory signers = new address[](len + 1);
        bytes[] memory signatures = new bytes[](len + 1);
        for (uint256 k = 0; k <= len; ++k) {
            if (k == pos) {
                signers[k] = data.signers[from];
                signatures[k] = data.signatures[from];
            } else {
                uint256 src = k < pos ? k : k - 1;
                signers[k] = data.signers[src];
                signatures[k] = data.signatures[src];
            }
        }
        data.signers = signers;
        data.signatures = signatures;
        vm.expectRevert(IWavsServiceManager.InvalidSignatureOrder.selector);
        manager.validate(env, data);
    }

    function testFuzz_validate_rejectsAlteredEnvelope(
        uint256 seed,
        uint256 n,
        bytes memory payload,
        uint8 what,
        uint256 where
    ) public {
        World memory w = _world(seed, n, 1e18, 1, 1);
        IWavsServiceHandler.Envelope memory signedEnv = _envelope(bytes20(keccak256(abi.encode(seed))), payload);
        IWavsServiceHandler.SignatureData memory data = _signatureData(_allKeys(w), signedEnv, START_BLOCK);
        manager.validate(signedEnv, data);

        IWavsServiceHandler.Envelope memory altered = _envelope(signedEnv.eventId, bytes.concat(payload));
        what = uint8(bound(what, 0, 3));
        if (what == 0 && payload.length > 0) {
            // Flip one bit of the payload.
            uint256 bit = bound(where, 0, payload.length * 8 - 1);
            altered.payload[bit / 8] ^= bytes1(uint8(1) << uint8(bit % 8));
        } else if (what == 1) {
            altered.eventId = bytes20(uint160(signedEnv.eventId) ^ (uint160(1) << bound(where, 0, 159)));
        } else if (what == 2) {
            altered.ordering = bytes12(uint96(1) << uint96(bound(where, 0, 95)));
        } else {
            altered.payload = bytes.concat(payload, bytes1(uint8(where)));
        }
        vm.expectRevert(IWavsServiceManager.InvalidSignature.selector);
        manager.validate(altered, data);
    }

    function testFuzz_validate_rejectsNonPastReferenceBlock(uint256 seed, uint256 n, uint32 referenceBlock) public {
        World memory w = _world(seed, n, 1e18, 2, 3);
        referenceBlock = uint32(bound(referenceBlock, block.number, type(uint32).max));
        vm.expectRevert(IWavsServiceManager.InvalidSignatureBlock.selector);
        manager.validate(env, _signatureData(_allKeys(w), env, referenceBlock));
    }

    function testFuzz_validate_rejectsReferenceBlockBeforeOperators(uint256 seed, uint256 n, uint32 referenceBlock)
        public
    {
        World memory w = _world(seed, n, 1e18, 2, 3);
        referenceBlock = uint32(bound(referenceBlock, 0, START_BLOCK - 1));
        vm.expectRevert(IWavsServiceManager.InsufficientQuorumZero.selector);
        manager.validate(env, _signatureData(_allKeys(w), env, referenceBlock));
    }

    /// @dev One random change to the operator set, keys or quorum; sometimes a new block.
    function _randomChange(World memory w, uint256 seed, uint256 r, uint256 step) internal {
        Operator memory op = w.ops[r % w.ops.length];
        uint256 action = (r >> 8) % 5;
        if (action == 0 && manager.isOperator(op.addr)) {
            vm.prank(owner);
            manager.updateOperatorWeight(op.addr, bound(r >> 16, 1, 1e30));
        } else if (action == 1 && manager.isOperator(op.addr)) {
            vm.prank(owner);
            manager.deregisterOperator(op.addr);
        } else if (action == 2) {
            _enroll(manager, _seededOperator(seed ^ r, step), bound(r >> 16, 1, 1e30));
        } else if (action == 3 && manager.isOperator(op.addr)) {
            uint256 pk = _pk(string(abi.encode(r, "rotated")), step);
            bytes memory proof = _bindingSignature(manager, pk, op.addr);
            vm.prank(op.addr);
            manager.updateOperatorSigningKey(vm.addr(pk), proof);
        } else {
            uint256 d = bound(r >> 16, 1, 1_000_000);
            vm.prank(owner);
            manager.updateQuorum(bound(r >> 64, 1, d), d);
        }
        if ((r >> 128) % 2 == 0) vm.roll(block.number + 1);
    }

    /// @dev Whatever the owner and operators do after the reference block (reweight, remove,
    ///      add operators, rotate keys, change the quorum), the verdict for it stays the same.
    function testFuzz_changesAfterReferenceBlockKeepVerdict(
        uint256 seed,
        uint256 n,
        uint256 maxWeight,
        uint256 numerator,
        uint256 denominator,
        uint256 mask,
        uint256 changeSeed
    ) public {
        World memory w = _world(seed, n, maxWeight, numerator, denominator);
        (uint256[] memory pks,) = _subset(w, mask);
        IWavsServiceHandler.SignatureData memory data = _signatureData(pks, env, START_BLOCK);
        (bool okBefore, bytes memory retBefore) = _verdict(env, data);

        uint256 steps = bound(changeSeed, 1, 8);
        for (uint256 step = 0; step < steps; ++step) {
            _randomChange(w, seed, uint256(keccak256(abi.encode(changeSeed, step))), step);
        }
        vm.roll(block.number + 1);

        (bool okAfter, bytes memory retAfter) = _verdict(env, data);
        assertEq(okAfter, okBefore);
        assertEq(retAfter, retBefore);
    }
}
