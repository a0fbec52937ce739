// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title SimpleTrigger
/// @notice An example trigger source: anyone adds a trigger with some data, and the
///         `NewTrigger` event it emits is what a WAVS workflow subscribes to.
/// @dev The event carries `abi.encode(TriggerInfo)`, the layout upstream example components
///      decode (`(uint64 triggerId, address creator, bytes data)`).
contract SimpleTrigger {
    /// @notice One trigger.
    /// @param triggerId Its id, counting from 1.
    /// @param creator Who added it.
    /// @param data The data it carries.
    struct TriggerInfo {
        uint64 triggerId;
        address creator;
        bytes data;
    }

    /// @notice The id of the latest trigger (zero before the first).
    uint64 public lastTriggerId;

    /// @dev Triggers by id.
    mapping(uint64 triggerId => TriggerInfo) private _triggers;

    /// @notice No trigger has this id.
    /// @param triggerId The id asked for.
    error UnknownTrigger(uint64 triggerId);

    /// @notice A trigger was added.
    /// @param triggerInfo `abi.encode(TriggerInfo)` of the new trigger.
    event NewTrigger(bytes triggerInfo);

    /// @notice Adds a trigger carrying `data` and emits `NewTrigger`.
    /// @param data Arbitrary data for the component.
    /// @return triggerId The new trigger's id.
    function addTrigger(bytes calldata data) external returns (uint64 triggerId) {
        triggerId = ++lastTriggerId;
        TriggerInfo storage info = _triggers[triggerId];
        info.triggerId = triggerId;
        info.creator = msg.sender;
        info.data = data;
        emit NewTrigger(abi.encode(TriggerInfo({triggerId: triggerId, creator: msg.sender, data: data})));
    }

    /// @notice A trigger by id.
    /// @param triggerId The id.
    /// @return The trigger.
    function getTrigger(uint64 triggerId) external view returns (TriggerInfo memory) {
        if (triggerId == 0 || triggerId > lastTriggerId) revert UnknownTrigger(triggerId);
        return _triggers[triggerId];
    }
}
