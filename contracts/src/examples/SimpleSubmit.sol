// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IWavsServiceHandler} from "../interfaces/IWavsServiceHandler.sol";
import {IWavsServiceManager} from "../interfaces/IWavsServiceManager.sol";

/// @title SimpleSubmit
/// @notice An example service handler: accepts an envelope once the service manager validated
///         the operators' signatures, stores its payload by event id and emits an event.
///         Each event id is handled once; a replay reverts.
contract SimpleSubmit is IWavsServiceHandler {
    /// @dev The service manager that judges signatures.
    IWavsServiceManager private immutable _serviceManager;

    /// @dev Payload of each handled event.
    mapping(bytes20 eventId => bytes) private _payloads;
    /// @dev Whether an event was handled (a payload may be empty).
    mapping(bytes20 eventId => bool) private _handled;

    /// @notice The number of envelopes handled.
    uint256 public handledCount;

    /// @notice The service manager address is zero.
    error InvalidServiceManager();
    /// @notice An envelope with this event id was handled already.
    /// @param eventId The event id.
    error EventAlreadyHandled(bytes20 eventId);

    /// @notice An envelope was accepted.
    /// @param eventId Its event id.
    /// @param ordering Its ordering field.
    /// @param payload Its payload.
    event EnvelopeHandled(bytes20 indexed eventId, bytes12 ordering, bytes payload);

    /// @param serviceManager The service manager that validates envelopes for this handler.
    constructor(IWavsServiceManager serviceManager) {
        if (address(serviceManager) == address(0)) revert InvalidServiceManager();
        _serviceManager = serviceManager;
    }

    /// @inheritdoc IWavsServiceHandler
    /// @dev Reverts with `EventAlreadyHandled` on a replay, or with the manager's error when
    ///      the signatures do not validate.
    function handleSignedEnvelope(Envelope calldata envelope, SignatureData calldata signatureData) external override {
        bytes20 eventId = envelope.eventId;
        if (_handled[eventId]) revert EventAlreadyHandled(eventId);
        _serviceManager.validate(envelope, signatureData);
        _handled[eventId] = true;
        _payloads[eventId] = envelope.payload;
        ++handledCount;
        emit EnvelopeHandled(eventId, envelope.ordering, envelope.payload);
    }

    /// @inheritdoc IWavsServiceHandler
    function getServiceManager() external view override returns (address) {
        return address(_serviceManager);
    }

    /// @notice Whether an envelope with this event id was handled.
    /// @param eventId The event id.
    /// @return True if it was.
    function isHandled(bytes20 eventId) external view returns (bool) {
        return _handled[eventId];
    }

    /// @notice The payload stored for an event id (empty if none).
    /// @param eventId The event id.
    /// @return The payload.
    function getPayload(bytes20 eventId) external view returns (bytes memory) {
        return _payloads[eventId];
    }
}
