// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

import {WavsServiceManagerBase} from "./WavsServiceManagerBase.sol";

/// @title WavsServiceManager
/// @notice A WAVS service manager whose owner keeps the operator set: registers operators
///         with a weight, reweights and removes them. Weights are checkpointed per block so
///         signatures are judged by the weights at their reference block.
contract WavsServiceManager is WavsServiceManagerBase {
    using Checkpoints for Checkpoints.Trace208;
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @dev The registered operators (each has a non-zero weight).
    EnumerableSet.AddressSet private _operators;
    /// @dev Weight of each operator, per block.
    mapping(address operator => Checkpoints.Trace208) private _operatorWeights;
    /// @dev Sum of all operator weights, per block.
    Checkpoints.Trace208 private _totalWeight;

    /// @notice The zero address cannot be an operator.
    error InvalidOperator();
    /// @notice A weight must be non-zero (remove an operator with `deregisterOperator`).
    error InvalidWeight();
    /// @notice The operator is already registered.
    /// @param operator The operator.
    error OperatorAlreadyRegistered(address operator);

    /// @notice An operator joined the service.
    /// @param operator The operator.
    /// @param weight Its weight.
    event OperatorRegistered(address indexed operator, uint256 weight);
    /// @notice An operator's weight changed.
    /// @param operator The operator.
    /// @param oldWeight The weight before.
    /// @param newWeight The weight now.
    event OperatorWeightUpdated(address indexed operator, uint256 oldWeight, uint256 newWeight);
    /// @notice An operator left the service (its weight is zero and its signing key unbound).
    /// @param operator The operator.
    event OperatorDeregistered(address indexed operator);

    /// @param initialOwner The account that administers the service.
    /// @param quorumNumerator Numerator of the share of total weight that must sign.
    /// @param quorumDenominator Denominator of that share.
    constructor(address initialOwner, uint256 quorumNumerator, uint256 quorumDenominator)
        WavsServiceManagerBase(initialOwner, quorumNumerator, quorumDenominator)
    {}

    /// @notice Registers an operator with a weight. Only the owner.
    /// @dev The operator then binds its signing key with `updateOperatorSigningKey`.
    /// @param operator The operator's address.
    /// @param weight Its weight (non-zero, below 2**208 in total).
    function registerOperator(address operator, uint256 weight) external onlyOwner {
        if (operator == address(0)) revert InvalidOperator();
        if (weight == 0) revert InvalidWeight();
        if (!_operators.add(operator)) revert OperatorAlreadyRegistered(operator);
        _setWeight(operator, weight);
        emit OperatorRegistered(operator, weight);
    }

    /// @notice Changes a registered operator's weight. Only the owner.
    /// @param operator The operator.
    /// @param weight Its new weight (non-zero).
    function updateOperatorWeight(address operator, uint256 weight) external onlyOwner {
        if (weight == 0) revert InvalidWeight();
        if (!_operators.contains(operator)) revert OperatorNotRegistered(operator);
        uint256 oldWeight = _setWeight(operator, weight);
        emit OperatorWeightUpdated(operator, oldWeight, weight);
    }

    /// @notice Removes an operator: its weight drops to zero and its signing key is unbound.
    ///         Only the owner.
    /// @param operator The operator.
    function deregisterOperator(address operator) external onlyOwner {
        if (!_operators.remove(operator)) revert OperatorNotRegistered(operator);
        _setWeight(operator, 0);
        _setSigningKey(operator, address(0));
        emit OperatorDeregistered(operator);
    }

    /// @notice The registered operators, in no particular order.
    /// @return The operators.
    function getOperators() external view returns (address[] memory) {
        return _operators.values();
    }

    /// @notice The number of registered operators.
    /// @return The count.
    function getOperatorCount() external view returns (uint256) {
        return _operators.length();
    }

    /// @dev Sets `operator`'s weight from the current block on, keeps the total in step and
    ///      returns the previous weight.
    function _setWeight(address operator, uint256 weight) private returns (uint256 oldWeight) {
        uint48 now_ = Time.blockNumber();
        oldWeight = _operatorWeights[operator].latest();
        uint256 total = uint256(_totalWeight.latest()) - oldWeight + weight;
        _operatorWeights[operator].push(now_, SafeCast.toUint208(weight));
        _totalWeight.push(now_, SafeCast.toUint208(total));
    }

    /// @inheritdoc WavsServiceManagerBase
    function _isOperator(address account) internal view override returns (bool) {
        return _operators.contains(account);
    }

    /// @inheritdoc WavsServiceManagerBase
    function _operatorWeightAt(address operator, uint48 blockNumber) internal view override returns (uint256) {
        return _operatorWeights[operator].upperLookupRecent(blockNumber);
    }

    /// @inheritdoc WavsServiceManagerBase
    function _totalWeightAt(uint48 blockNumber) internal view override returns (uint256) {
        return _totalWeight.upperLookupRecent(blockNumber);
    }
}
