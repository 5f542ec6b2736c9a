// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Governance} from "../src/Governance.sol";
import {IVerifier} from "../src/IVerifier.sol";
import {Operations} from "../src/Operations.sol";
import {Rollup} from "../src/Rollup.sol";
import {TestOnlyEchoVerifier} from "./utils/TestOnlyVerifiers.sol";
import {VectorRollup} from "./utils/VectorRollup.sol";

/// @dev commitBlocks against testdata/block_vectors.json: the three vector blocks are accepted and
/// stored with the vectors' commitments; every commit rule refuses its violation with its error.
/// (Commit never checks a proof, so the verifier here only has to report the block sizes 8 and 32.)
contract CommitTest is VectorRollup {
    TestOnlyEchoVerifier internal verifier;

    function setUp() public {
        verifier = new TestOnlyEchoVerifier(true, IVerifier(address(0)));
        vectors = vm.readFile(VECTORS);
        _deployVectorRollup(verifier, vm.parseJsonBytes32(vectors, ".genesis.root"));
        _queueVectorRequests();
        _setVectorAuthFacts();
        vm.warp(T1 + 1200); // block 3's timestamp: every vector block is inside the window
    }

    function _genesis() internal view returns (Rollup.StoredBlock memory) {
        return _genesisStored(_vectorGenesisRoot());
    }

    function _commitExpectingRevert(Rollup.StoredBlock memory last, Rollup.CommitBlock memory b, bytes memory err)
        internal
    {
        vm.expectRevert(err);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(last, _one(b));
    }

    /// @dev Changes `owner`'s authorization for `nonce` (set in setUp) to `pkh` for a commit of block
    /// 1: the change is requested at T1 and in effect AUTH_FACT_RESET_DELAY later, which is the
    /// oldest L1 time at which block 1 (timestamp T1) may still be committed.
    function _changeFactForBlock1(address owner, bytes20 pkh, uint32 nonce) internal {
        vm.warp(T1);
        vm.prank(owner);
        rollup.setAuthPubkeyHash(pkh, nonce);
        assertEq(bytes32(rollup.authFact(owner, nonce)), bytes32(_vectorFact(owner)), "still in effect");
        vm.warp(T1 + rollup.AUTH_FACT_RESET_DELAY());
        assertEq(bytes32(rollup.authFact(owner, nonce)), bytes32(pkh), "changed");
    }

    function _vectorFact(address owner) internal pure returns (bytes20) {
        return owner == ALICE ? ALICE_PKH : BOB_PKH;
    }

    // ---- accepted ----

    function test_commitVectorBlocks_storesTheVectorsCommitments() public {
        for (uint256 n = 1; n <= 3; n++) {
            vm.expectEmit(address(rollup));
            emit Rollup.BlockCommit(uint32(n), _expectedStored(n));
        }
        _commitBlocks(1, 3);
        for (uint256 n = 1; n <= 3; n++) {
            Rollup.StoredBlock memory s = _expectedStored(n);
            assertEq(rollup.storedBlockHashes(uint32(n)), keccak256(abi.encode(s)), "stored hash");
        }
        assertEq(rollup.totalBlocksCommitted(), 3, "committed");
        assertEq(rollup.totalBlocksProven(), 0, "proven");
        assertEq(rollup.totalCommittedPriorityRequests(), 6, "committed priority requests");
        assertEq(rollup.totalOpenPriorityRequests(), 6, "still open until execution");
        // The facts were consumed.
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(0), "Alice's fact consumed");
        assertEq(bytes32(rollup.authFact(BOB, 0)), bytes32(0), "Bob's fact consumed");
    }

    function test_commitVectorBlocks_oneCallPerBlock() public {
        for (uint256 n = 1; n <= 3; n++) {
            _commitBlocks(n, n);
            assertEq(rollup.totalBlocksCommitted(), n, "committed");
        }
        assertEq(rollup.storedBlockHashes(3), keccak256(abi.encode(_expectedStored(3))), "block 3");
    }

    function test_vectorPublicInputs_areCommitmentShiftedBy3() public view {
        for (uint256 n = 1; n <= 3; n++) {
            assertEq(
                rollup.publicInput(_expectedStored(n).commitment),
                vm.parseJsonUint(vectors, _key(n - 1, "publicInput.hex")),
                "public input"
            );
        }
    }

    function test_commit_eip712Witness() public {
        // Bob revokes his fact: his EIP-712 signature authorizes his ChangePubKey, Alice's fact hers.
        _changeFactForBlock1(BOB, bytes20(0), 0);
        assertEq(vm.addr(BOB_L1_KEY), BOB, "Bob's key");
        Rollup.CommitBlock memory b = _commitBlock(1);
        b.onchainOperations[4].ethWitness = _sign(BOB_L1_KEY, BOB_PKH, 0, 2);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesis(), _one(b));
        assertEq(rollup.storedBlockHashes(1), keccak256(abi.encode(_expectedStored(1))), "stored hash");
        // Alice's fact was consumed, Bob's witness left nothing behind.
        assertEq(bytes32(rollup.authFact(ALICE, 0)), bytes32(0), "Alice's fact consumed");
    }

    function test_commit_eip712WitnessWithV0or1() public {
        _changeFactForBlock1(BOB, bytes20(0), 0);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(BOB_L1_KEY, rollup.changePubKeyDigest(BOB_PKH, 0, 2));
        Rollup.CommitBlock memory b = _commitBlock(1);
        b.onchainOperations[4].ethWitness = abi.encodePacked(r, s, v - 27);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesis(), _one(b));
        assertEq(rollup.totalBlocksCommitted(), 1, "committed");
    }

    function test_changePubKeyDigest_isEip712() public view {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("zkpay"),
                keccak256("1"),
                uint256(31337),
                ROLLUP_ADDRESS
            )
        );
        assertEq(rollup.DOMAIN_SEPARATOR(), domain, "domain separator");
        bytes32 structHash = keccak256(
            abi.encode(keccak256("ChangePubKey(bytes20 pubKeyHash,uint32 nonce,uint32 accountId)"), ALICE_PKH, 7, 1)
        );
        assertEq(
            rollup.changePubKeyDigest(ALICE_PKH, 7, 1),
            keccak256(abi.encodePacked("\x19\x01", domain, structHash)),
            "digest"
        );
    }

    function _sign(uint256 key, bytes20 pkh, uint32 nonce, uint32 accountId) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, rollup.changePubKeyDigest(pkh, nonce, accountId));
        return abi.encodePacked(r, s, v);
    }

    // ---- ChangePubKey authorization refused ----

    function test_commit_refusesChangePubKeyWithoutFact() public {
        _changeFactForBlock1(ALICE, bytes20(0), 0);
        _commitExpectingRevert(
            _genesis(), _commitBlock(1), abi.encodeWithSelector(Rollup.ChangePubKeyNotAuthorized.selector, 1, ALICE)
        );
    }

    function test_commit_refusesFactForAnotherKeyOrNonce() public {
        _changeFactForBlock1(ALICE, BOB_PKH, 0); // another key
        _commitExpectingRevert(
            _genesis(), _commitBlock(1), abi.encodeWithSelector(Rollup.ChangePubKeyNotAuthorized.selector, 1, ALICE)
        );
        _changeFactForBlock1(ALICE, bytes20(0), 0);
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(ALICE_PKH, 1); // another nonce (none set there: at once)
        _commitExpectingRevert(
            _genesis(), _commitBlock(1), abi.encodeWithSelector(Rollup.ChangePubKeyNotAuthorized.selector, 1, ALICE)
        );
    }

    function test_commit_refusesEip712SignatureOfAnotherAddress() public {
        Rollup.CommitBlock memory b = _commitBlock(1);
        b.onchainOperations[2].ethWitness = _sign(BOB_L1_KEY, ALICE_PKH, 0, 1); // Bob signs Alice's op
        _commitExpectingRevert(
            _genesis(), b, abi.encodeWithSelector(Rollup.ChangePubKeyNotAuthorized.selector, 1, ALICE)
        );
    }

    function test_commit_refusesEip712SignatureOverOtherFields() public {
        _changeFactForBlock1(BOB, bytes20(0), 0);
        Rollup.CommitBlock memory b = _commitBlock(1);
        b.onchainOperations[4].ethWitness = _sign(BOB_L1_KEY, BOB_PKH, 1, 2); // signed for nonce 1
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.ChangePubKeyNotAuthorized.selector, 2, BOB));
        b.onchainOperations[4].ethWitness = _sign(BOB_L1_KEY, ALICE_PKH, 0, 2); // another key hash
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.ChangePubKeyNotAuthorized.selector, 2, BOB));
        b.onchainOperations[4].ethWitness = _sign(BOB_L1_KEY, BOB_PKH, 0, 1); // another account id
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.ChangePubKeyNotAuthorized.selector, 2, BOB));
    }

    function test_commit_refusesBadWitnessLength() public {
        Rollup.CommitBlock memory b = _commitBlock(1);
        b.onchainOperations[2].ethWitness = new bytes(64);
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.InvalidEthWitnessLength.selector, 64));
    }

    function test_commit_refusesHighSSignature() public {
        Rollup.CommitBlock memory b = _commitBlock(1);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(BOB_L1_KEY, rollup.changePubKeyDigest(BOB_PKH, 0, 2));
        // (r, n − s, v') is the malleated twin of a valid signature (ecrecover accepts it); refused.
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        b.onchainOperations[4].ethWitness = abi.encodePacked(r, bytes32(n - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        assertEq(
            ecrecover(rollup.changePubKeyDigest(BOB_PKH, 0, 2), v == 27 ? uint8(28) : uint8(27), r, bytes32(n - uint256(s))),
            BOB,
            "the twin recovers Bob"
        );
        _changeFactForBlock1(BOB, bytes20(0), 0);
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.ChangePubKeyNotAuthorized.selector, 2, BOB));
    }

    function test_commit_refusesSignatureWithVOutsideTheFourValues() public {
        // Bob's valid signature with v replaced: 27/28 and 0/1 are the only recovery ids accepted
        // (test_commit_eip712Witness, test_commit_eip712WitnessWithV0or1); any other v recovers nobody.
        _changeFactForBlock1(BOB, bytes20(0), 0);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(BOB_L1_KEY, rollup.changePubKeyDigest(BOB_PKH, 0, 2));
        uint8[6] memory bad = [uint8(2), 3, 26, 29, v + 4, 255];
        for (uint256 k = 0; k < bad.length; k++) {
            Rollup.CommitBlock memory b = _commitBlock(1);
            b.onchainOperations[4].ethWitness = abi.encodePacked(r, s, bad[k]);
            _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.ChangePubKeyNotAuthorized.selector, 2, BOB));
        }
        // The same r, s with its own v is accepted: only v was wrong.
        Rollup.CommitBlock memory ok = _commitBlock(1);
        ok.onchainOperations[4].ethWitness = abi.encodePacked(r, s, v);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesis(), _one(ok));
        assertEq(rollup.totalBlocksCommitted(), 1, "committed with the right v");
    }

    function test_commit_refusesSignatureWithZeroROrS() public {
        _changeFactForBlock1(BOB, bytes20(0), 0);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(BOB_L1_KEY, rollup.changePubKeyDigest(BOB_PKH, 0, 2));
        Rollup.CommitBlock memory b = _commitBlock(1);
        b.onchainOperations[4].ethWitness = abi.encodePacked(bytes32(0), s, v);
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.ChangePubKeyNotAuthorized.selector, 2, BOB));
        b.onchainOperations[4].ethWitness = abi.encodePacked(r, bytes32(0), v);
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.ChangePubKeyNotAuthorized.selector, 2, BOB));
        b.onchainOperations[4].ethWitness = new bytes(65); // all zero, v = 0
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.ChangePubKeyNotAuthorized.selector, 2, BOB));
    }

    // ---- header rules ----

    function test_commit_refusesWrongBlockNumber() public {
        Rollup.CommitBlock memory b = _commitBlock(1);
        b.blockNumber = 2;
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.WrongBlockNumber.selector, 1, 2));
    }

    function test_commit_refusesWrongOldState() public {
        Rollup.StoredBlock memory last = _genesis();
        last.stateRoot = bytes32(uint256(last.stateRoot) ^ 1);
        _commitExpectingRevert(last, _commitBlock(1), abi.encodeWithSelector(Rollup.StoredBlockMismatch.selector, 0));
        // Not the last committed block either: block 1 committed, genesis given again.
        _commitBlocks(1, 1);
        _commitExpectingRevert(
            _genesis(), _commitBlock(2), abi.encodeWithSelector(Rollup.StoredBlockMismatch.selector, 0)
        );
    }

    function test_commit_refusesStaleTimestamp() public {
        vm.warp(T1 + 24 hours + 1);
        _commitExpectingRevert(_genesis(), _commitBlock(1), abi.encodeWithSelector(Rollup.TimestampTooOld.selector, T1));
        vm.warp(T1 + 24 hours); // exactly 24 h old is fine
        _commitBlocks(1, 1);
    }

    function test_commit_refusesFutureTimestamp() public {
        // L1 time before block 1's timestamp by more than 15 minutes (genesis was deployed at T1).
        vm.warp(T1 - 15 minutes - 1);
        _commitExpectingRevert(_genesis(), _commitBlock(1), abi.encodeWithSelector(Rollup.TimestampInFuture.selector, T1));
        vm.warp(T1 - 15 minutes); // exactly 15 minutes ahead is fine
        _commitBlocks(1, 1);
    }

    function test_commit_refusesTimestampBeforePreviousBlock() public {
        _commitBlocks(1, 1);
        Rollup.CommitBlock memory b = _commitBlock(2);
        b.timestamp = T1 - 1;
        _commitExpectingRevert(
            _expectedStored(1), b, abi.encodeWithSelector(Rollup.TimestampBeforePreviousBlock.selector, T1 - 1, T1)
        );
        // Exactly the previous block's timestamp is fine.
        b.timestamp = T1;
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_expectedStored(1), _one(b));
        assertEq(rollup.totalBlocksCommitted(), 2, "same timestamp as block 1 accepted");
    }

    function test_commit_timestampWindowExactlyAtBothLimits() public {
        // One block 24 h old and the next 15 min ahead of L1 time, in one call: both bounds inclusive.
        vm.warp(T1 + 24 hours);
        Rollup.CommitBlock[] memory blocks = new Rollup.CommitBlock[](2);
        blocks[0] = _commitBlock(1);
        blocks[1] = _commitBlock(2);
        blocks[1].timestamp = uint64(block.timestamp + 15 minutes);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesis(), blocks);
        assertEq(rollup.totalBlocksCommitted(), 2, "both limits accepted");
        // One second past either limit is refused (the other unchanged).
        Rollup.CommitBlock memory b = _commitBlock(3);
        b.timestamp = uint64(block.timestamp + 15 minutes + 1);
        Rollup.StoredBlock memory two = _expectedStored(2);
        two.timestamp = blocks[1].timestamp;
        two.commitment = sha256(
            abi.encodePacked(
                uint64(31337),
                ROLLUP_ADDRESS,
                uint32(2),
                blocks[1].feeAccount,
                blocks[1].timestamp,
                _expectedStored(1).stateRoot,
                blocks[1].newStateRoot,
                blocks[1].publicData,
                _bitmap(2)
            )
        );
        assertEq(rollup.storedBlockHashes(2), keccak256(abi.encode(two)), "block 2 as stored");
        _commitExpectingRevert(two, b, abi.encodeWithSelector(Rollup.TimestampInFuture.selector, b.timestamp));
    }

    /// @dev The onchain-op bitmap of vector block `n` (bit offset/10 of each onchain op, MSB first).
    function _bitmap(uint256 n) internal view returns (bytes memory bitmap) {
        Rollup.StoredBlock memory s = _expectedStored(n);
        bitmap = new bytes((s.chunks + 7) / 8);
        uint32[] memory offsets = _onchainOffsets(n);
        for (uint256 k = 0; k < offsets.length; k++) {
            uint256 chunk = offsets[k] / 10;
            bitmap[chunk / 8] = bytes1(uint8(bitmap[chunk / 8]) | uint8(0x80 >> (chunk % 8)));
        }
    }

    // ---- pubdata shape ----

    function test_commit_refusesPubdataNotMultipleOf10() public {
        Rollup.CommitBlock memory b = _commitBlock(3);
        b.blockNumber = 1;
        b.publicData = bytes.concat(b.publicData, hex"00");
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.PubdataNotChunkAligned.selector, 81));
    }

    function test_commit_refusesUnsupportedBlockSize() public {
        Rollup.CommitBlock memory b = _noopBlock(1, 16);
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.UnsupportedBlockSize.selector, 16));
        b = _noopBlock(1, 0);
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.UnsupportedBlockSize.selector, 0));
    }

    function test_commit_acceptsNoopBlockOfEachSize() public {
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesis(), _one(_noopBlock(1, 8)));
        assertEq(rollup.totalBlocksCommitted(), 1, "8-chunk block");
    }

    function test_commit_refusesUnknownOpcode() public {
        Rollup.CommitBlock memory b = _noopBlock(1, 8);
        b.publicData[30] = 0x04; // chunk 3
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Operations.UnknownOpcode.selector, 4));
        b.publicData[30] = 0x09;
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Operations.UnknownOpcode.selector, 9));
        b.publicData[30] = 0xff; // beyond the lookup tables' 32 entries
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Operations.UnknownOpcode.selector, 0xff));
        // After an onchain op too: vector block 3 with its Noop (chunk 7) replaced by 0x04.
        b = _commitBlock(3);
        b.blockNumber = 1;
        b.timestamp = T1;
        b.publicData[70] = 0x04;
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Operations.UnknownOpcode.selector, 4));
    }

    function test_commit_refusesOperationRunningPastTheEnd() public {
        // A Withdraw (5 chunks) starting at chunk 4 of an 8-chunk block.
        Rollup.CommitBlock memory b = _noopBlock(1, 8);
        b.publicData[40] = 0x03;
        b.onchainOperations = new Rollup.OnchainOperationData[](1);
        b.onchainOperations[0].publicDataOffset = 40;
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.OperationOverrunsPubdata.selector, 40));
        // A skipped op overrunning: a TransferToNew (4 chunks) at chunk 6 of 8, after two Transfers.
        b = _noopBlock(1, 8);
        (b.publicData[0], b.publicData[20], b.publicData[60]) = (0x05, 0x05, 0x02);
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.OperationOverrunsPubdata.selector, 60));
    }

    // ---- onchain op offsets and the bitmap ----

    function test_commit_refusesOffsetNotOnChunkBoundary() public {
        Rollup.CommitBlock memory b = _commitBlock(1);
        b.onchainOperations[1].publicDataOffset = 55;
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.OffsetNotOnChunkBoundary.selector, 55));
    }

    function test_commit_refusesOffsetsOutOfOrderOrOutside() public {
        Rollup.CommitBlock memory b = _commitBlock(1);
        (b.onchainOperations[0].publicDataOffset, b.onchainOperations[1].publicDataOffset) = (50, 0);
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.OffsetOutOfOrder.selector, 0));
        b = _commitBlock(1);
        b.onchainOperations[4].publicDataOffset = 320;
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.OffsetOutOfOrder.selector, 320));
    }

    function test_commit_refusesUnlistedOnchainOperation() public {
        // The bitmap would miss the Deposit at chunk 5: refused at commit.
        Rollup.CommitBlock memory b = _commitBlock(1);
        Rollup.OnchainOperationData[] memory ops = new Rollup.OnchainOperationData[](4);
        (ops[0], ops[1], ops[2], ops[3]) =
            (b.onchainOperations[0], b.onchainOperations[2], b.onchainOperations[3], b.onchainOperations[4]);
        b.onchainOperations = ops;
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.OnchainOperationNotListed.selector, 50));
        // The last onchain op left out.
        b = _commitBlock(3);
        b.blockNumber = 1;
        b.timestamp = T1;
        b.onchainOperations = new Rollup.OnchainOperationData[](0);
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.OnchainOperationNotListed.selector, 20));
    }

    function test_commit_refusesListedOffsetThatIsNotAnOnchainOp() public {
        // Offset 270 is block 1's Transfer (not onchain): the bitmap would get an extra bit.
        Rollup.CommitBlock memory b = _commitBlock(1);
        Rollup.OnchainOperationData[] memory ops = new Rollup.OnchainOperationData[](6);
        for (uint256 k = 0; k < 5; k++) {
            ops[k] = b.onchainOperations[k];
        }
        ops[5].publicDataOffset = 270;
        b.onchainOperations = ops;
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.NotAnOnchainOperation.selector, 270));
        // An offset inside an onchain op (chunk 1 of the first Deposit) instead of the next op's start.
        b = _commitBlock(1);
        b.onchainOperations[1].publicDataOffset = 10;
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.NotAnOnchainOperation.selector, 10));
    }

    // ---- priority queue ----

    function test_commit_refusesPriorityOpWithOtherFields() public {
        // Block 1's first Deposit with another amount than queued.
        Rollup.CommitBlock memory b = _commitBlock(1);
        b.publicData[22] = bytes1(uint8(b.publicData[22]) ^ 1);
        _commitExpectingRevert(_genesis(), b, abi.encodeWithSelector(Rollup.PriorityOperationMismatch.selector, 0));
    }

    function test_commit_refusesPriorityOpSkippedInBlock2() public {
        // Block 2 after block 1: its FullExit (serial 3) replaced by a Noop chunk run; the Deposit
        // (serial 4) then meets request 3.
        _commitBlocks(1, 1);
        Rollup.CommitBlock memory b = _commitBlock(2);
        for (uint256 k = 40; k < 90; k++) {
            b.publicData[k] = 0;
        }
        Rollup.OnchainOperationData[] memory ops = new Rollup.OnchainOperationData[](3);
        (ops[0], ops[1], ops[2]) = (b.onchainOperations[1], b.onchainOperations[2], b.onchainOperations[3]);
        b.onchainOperations = ops;
        _commitExpectingRevert(
            _expectedStored(1), b, abi.encodeWithSelector(Rollup.PriorityOperationMismatch.selector, 3)
        );
    }

    // ---- who ----

    function test_commit_onlyValidators() public {
        Rollup.CommitBlock[] memory blocks = _one(_commitBlock(1));
        vm.expectRevert(abi.encodeWithSelector(Governance.NotValidator.selector, ALICE));
        vm.prank(ALICE);
        rollup.commitBlocks(_genesis(), blocks);
        governance.setValidator(VALIDATOR, false);
        vm.expectRevert(abi.encodeWithSelector(Governance.NotValidator.selector, VALIDATOR));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesis(), blocks);
    }

    function test_commit_refusesEmptyList() public {
        vm.expectRevert(Rollup.NothingToDo.selector);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesis(), new Rollup.CommitBlock[](0));
    }

    // ---- helpers ----

    function _noopBlock(uint32 number, uint256 chunks) internal view returns (Rollup.CommitBlock memory b) {
        b.blockNumber = number;
        b.feeAccount = 0;
        b.newStateRoot = bytes32(uint256(1));
        b.timestamp = uint64(block.timestamp);
        b.publicData = new bytes(chunks * 10);
    }
}

/// @dev Priority requests queued in another order, or missing: commit refuses block 1.
contract CommitQueueOrderTest is VectorRollup {
    function setUp() public {
        vectors = vm.readFile(VECTORS);
        _deployVectorRollup(new TestOnlyEchoVerifier(true, IVerifier(address(0))), vm.parseJsonBytes32(vectors, ".genesis.root"));
        vm.deal(ALICE, 100 ether);
        vm.deal(BOB, 100 ether);
        _setVectorAuthFacts();
    }

    function _commitBlock1ExpectingRevert(bytes memory err) internal {
        vm.warp(T1 + 1200);
        vm.expectRevert(err);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesisStored(_vectorGenesisRoot()), _one(_commitBlock(1)));
    }

    function test_commit_refusesPriorityOpOutOfOrder() public {
        // Requests 0 and 1 queued the other way round.
        _depositToken(token1, ALICE, 5_000_000_000, ALICE);
        vm.prank(ALICE);
        rollup.depositETH{value: 10 ether}(ALICE);
        vm.prank(BOB);
        rollup.depositETH{value: 2 ether}(BOB);
        _commitBlock1ExpectingRevert(abi.encodeWithSelector(Rollup.PriorityOperationMismatch.selector, 0));
    }

    function test_commit_refusesPriorityOpNotQueued() public {
        // Only two of block 1's three deposits are queued.
        vm.prank(ALICE);
        rollup.depositETH{value: 10 ether}(ALICE);
        _depositToken(token1, ALICE, 5_000_000_000, ALICE);
        _commitBlock1ExpectingRevert(abi.encodeWithSelector(Rollup.PriorityRequestMissing.selector, 2));
    }

    function test_commit_refusesFullExitWhereDepositIsQueued() public {
        // Request 0 is a FullExit with the Deposit's hash impossible: same serial, other type.
        vm.prank(ALICE);
        rollup.requestFullExit(1, address(0));
        _commitBlock1ExpectingRevert(abi.encodeWithSelector(Rollup.PriorityOperationMismatch.selector, 0));
    }
}
