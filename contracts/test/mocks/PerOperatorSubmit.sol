// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IWavsServiceHandler} from "../../src/interfaces/IWavsServiceHandler.sol";
import {WavsServiceManager} from "../../src/WavsServiceManager.sol";

/// @dev The design the aggregator replaces, for the gas comparison only: every operator sends
///      its own transaction with its own signature; the contract tallies weight per envelope
///      and stores the payload once the quorum is reached.
contract PerOperatorSubmit {
    WavsServiceManager public immutable manager;
    mapping(bytes32 digest => uint256) public signedWeight;
    mapping(bytes32 digest => mapping(address operator => bool)) public voted;
    mapping(bytes20 eventId => bool) public handled;
    mapping(bytes20 eventId => bytes) public payloads;

    error NotAnOperator();
    error AlreadyVoted();
    error BadReferenceBlock();

    event Voted(bytes32 indexed digest, address indexed operator, uint256 signedWeight);
    event EnvelopeHandled(bytes20 indexed eventId, bytes12 ordering, bytes payload);

    constructor(WavsServiceManager manager_) {
        manager = manager_;
    }

    function submit(IWavsServiceHandler.Envelope calldata envelope, bytes calldata signature, uint32 referenceBlock)
        external
    {
        if (referenceBlock >= block.number) revert BadReferenceBlock();
        bytes32 digest = keccak256(abi.encode(envelope));
        address signer = ECDSA.recoverCalldata(MessageHashUtils.toEthSignedMessageHash(digest), signature);
        address operator = manager.getOperatorForSigningKeyAt(signer, referenceBlock);
        if (operator == address(0)) revert NotAnOperator();
        if (voted[digest][operator]) revert AlreadyVoted();
        voted[digest][operator] = true;
        uint256 weight = signedWeight[digest] + manager.getOperatorWeightAt(operator, referenceBlock);
        signedWeight[digest] = weight;
        emit Voted(digest, operator, weight);
        if (handled[envelope.eventId]) return;
        (uint256 numerator, uint256 denominator) = manager.getQuorumAt(referenceBlock);
        uint256 threshold =
            Math.mulDiv(manager.getTotalWeightAt(referenceBlock), numerator, denominator, Math.Rounding.Ceil);
        if (weight >= threshold) {
            handled[envelope.eventId] = true;
            payloads[envelope.eventId] = envelope.payload;
            emit EnvelopeHandled(envelope.eventId, envelope.ordering, envelope.payload);
        }
    }
}
