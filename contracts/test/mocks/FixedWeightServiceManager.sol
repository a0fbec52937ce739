// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {WavsServiceManagerBase} from "../../src/WavsServiceManagerBase.sol";

/// @dev A second weight source behind the seam, the way a restaking backend would plug in:
///      weights come from elsewhere (here: set freely, the same at every block), and an
///      operator may sign with its own key.
contract FixedWeightServiceManager is WavsServiceManagerBase {
    mapping(address => uint256) public weights;
    uint256 public total;

    constructor(address initialOwner, uint256 numerator, uint256 denominator)
        WavsServiceManagerBase(initialOwner, numerator, denominator)
    {}

    function setWeight(address operator, uint256 weight) external {
        total = total - weights[operator] + weight;
        weights[operator] = weight;
    }

    function _isOperator(address account) internal view override returns (bool) {
        return weights[account] != 0;
    }

    function _operatorWeightAt(address operator, uint48) internal view override returns (uint256) {
        return weights[operator];
    }

    function _totalWeightAt(uint48) internal view override returns (uint256) {
        return total;
    }

    /// @dev Operators with weight sign with their own key; others go through the bindings.
    function _operatorForSigningKeyAt(address signingKey, uint48 blockNumber) internal view override returns (address) {
        if (weights[signingKey] != 0) return signingKey;
        return super._operatorForSigningKeyAt(signingKey, blockNumber);
    }
}
