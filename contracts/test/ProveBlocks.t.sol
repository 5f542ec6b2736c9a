// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IVerifier} from "../src/IVerifier.sol";
import {Rollup} from "../src/Rollup.sol";
import {Verifier} from "../src/Verifier.sol";
import {Test} from "./utils/Test.sol";
import {VectorRollup} from "./utils/VectorRollup.sol";

/// @dev Reader of testdata/block_proofs.json, real Groth16 proofs of the vector blocks made by the
/// block circuit (zkpay-circuit):
///
///     {"verifier": "contracts/src/Verifier.sol",
///      "proofs": [{"blockNumber": 1, "chunks": 32, "publicInput": "0x…", "proof": ["0x…" ×8]}, …]}
///
/// `publicInput` = uint256(commitment) >> 3 of the vector block; `proof` in the uint256[8] layout of
/// docs/protocol.md §12.
abstract contract BlockProofsFixture is Test {
    string internal constant BLOCK_PROOFS = "../testdata/block_proofs.json";

    struct BlockProof {
        uint32 blockNumber;
        uint32 chunks;
        uint256 publicInput;
        uint256[8] proof;
    }

    function _blockProof(string memory json, uint256 i) internal pure returns (BlockProof memory p) {
        string memory k = string.concat(".proofs[", vm.toString(i), "].");
        p.blockNumber = uint32(vm.parseJsonUint(json, string.concat(k, "blockNumber")));
        p.chunks = uint32(vm.parseJsonUint(json, string.concat(k, "chunks")));
        p.publicInput = vm.parseJsonUint(json, string.concat(k, "publicInput"));
        uint256[] memory words = vm.parseJsonUintArray(json, string.concat(k, "proof"));
        assertEq(words.length, 8, "eight proof words");
        for (uint256 j = 0; j < 8; j++) {
            p.proof[j] = words[j];
        }
    }
}

/// @dev The reader on a sample in the fixture's format (placeholder words, no proof is checked here).
contract BlockProofsFixtureFormatTest is BlockProofsFixture {
    function test_readerParsesTheDocumentedFormat() public pure {
        string memory json = '{"verifier": "contracts/src/Verifier.sol", "proofs": [{"blockNumber": 1, "chunks": 32, '
            '"publicInput": "0x133af330c314b09a599f07bee7d58595a55671c4b4e6ff01e8106c5f322c5fe9", "proof": '
            '["0x01", "0x02", "0x03", "0x04", "0x05", "0x06", "0x07", "0x0000000000000000000000000000000000000000000000000000000000000008"]}]}';
        BlockProof memory p = _blockProof(json, 0);
        assertEq(p.blockNumber, 1, "blockNumber");
        assertEq(p.chunks, 32, "chunks");
        assertEq(p.publicInput, 0x133af330c314b09a599f07bee7d58595a55671c4b4e6ff01e8106c5f322c5fe9, "publicInput");
        for (uint256 j = 0; j < 8; j++) {
            assertEq(p.proof[j], j + 1, "proof word");
        }
        assertEq(bytes(vm.parseJsonString(json, ".verifier")), bytes("contracts/src/Verifier.sol"), "verifier");
    }
}

/// @dev The prove path with REAL block proofs: the vector blocks 1–3 (32, 32 and 8 chunks) committed on
/// a Rollup using the generated Verifier.sol, then proven single and batched; a tampered proof or
/// input is refused. Run by `ProveBlocksRealTest` below (keys/block_{8,32}.vk.json exported into
/// contracts/src/Verifier.sol, proofs from testdata/block_proofs.json, both by scripts/regen-fixtures.sh).
abstract contract ProveBlocksTest is VectorRollup, BlockProofsFixture {
    Verifier internal realVerifier;
    string internal blockProofs;

    function setUp() public {
        blockProofs = vm.readFile(BLOCK_PROOFS);
        assertEq(
            bytes(vm.parseJsonString(blockProofs, ".verifier")),
            bytes("contracts/src/Verifier.sol"),
            "the proofs are for the committed Verifier.sol"
        );
        realVerifier = new Verifier();
        vectors = vm.readFile(VECTORS);
        _deployVectorRollup(IVerifier(address(realVerifier)), vm.parseJsonBytes32(vectors, ".genesis.root"));
        _queueVectorRequests();
        _setVectorAuthFacts();
        vm.warp(T1 + 1200);
        _commitBlocks(1, 3);
    }

    function _proofs(uint256 from, uint256 to) internal view returns (uint256[8][] memory proofs) {
        proofs = new uint256[8][](to - from + 1);
        for (uint256 n = from; n <= to; n++) {
            proofs[n - from] = _blockProof(blockProofs, n - 1).proof;
        }
    }

    function test_fixture_matchesTheVectorBlocks() public view {
        for (uint256 n = 1; n <= 3; n++) {
            BlockProof memory p = _blockProof(blockProofs, n - 1);
            Rollup.StoredBlock memory s = _expectedStored(n);
            assertEq(p.blockNumber, n, "blockNumber");
            assertEq(p.chunks, s.chunks, "chunks");
            assertEq(p.publicInput, uint256(s.commitment) >> 3, "publicInput");
            assertTrue(realVerifier.isBlockSize(p.chunks), "the verifier has the size");
        }
    }

    function test_prove_realProofsOneByOne() public {
        for (uint256 n = 1; n <= 3; n++) {
            BlockProof memory p = _blockProof(blockProofs, n - 1);
            assertTrue(realVerifier.verifyBlock(p.chunks, p.proof, p.publicInput), "verifyBlock");
            rollup.proveBlocks(_storedRange(n, n), _proofs(n, n));
            assertEq(rollup.totalBlocksProven(), n, "proven");
        }
    }

    function test_prove_realProofsBatched() public {
        // Blocks 1 and 2 (32 chunks) go to verifyBlocks together, block 3 (8 chunks) to verifyBlock.
        rollup.proveBlocks(_storedRange(1, 3), _proofs(1, 3));
        assertEq(rollup.totalBlocksProven(), 3, "proven");
    }

    function test_prove_refusesTamperedProof() public {
        uint256[8][] memory proofs = _proofs(1, 3);
        (proofs[1][6], proofs[1][7]) = (proofs[1][0], proofs[1][1]); // block 2: C := A (a valid point)
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidBlockProof.selector, 1, 2));
        rollup.proveBlocks(_storedRange(1, 3), proofs);
        proofs = _proofs(1, 3);
        (proofs[2][6], proofs[2][7]) = (proofs[2][0], proofs[2][1]); // block 3 alone
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidBlockProof.selector, 3, 3));
        rollup.proveBlocks(_storedRange(1, 3), proofs);
        // Block 1's proof offered for block 2 (the same size): another public input.
        proofs = _proofs(1, 3);
        proofs[1] = proofs[0];
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidBlockProof.selector, 1, 2));
        rollup.proveBlocks(_storedRange(1, 3), proofs);
    }

    function test_verifier_refusesTamperedInput() public view {
        for (uint256 n = 1; n <= 3; n++) {
            BlockProof memory p = _blockProof(blockProofs, n - 1);
            assertTrue(!realVerifier.verifyBlock(p.chunks, p.proof, p.publicInput ^ 1), "wrong input refused");
        }
        uint256[8][] memory proofs = _proofs(1, 2);
        uint256[] memory inputs = new uint256[](2);
        inputs[0] = _blockProof(blockProofs, 0).publicInput;
        inputs[1] = _blockProof(blockProofs, 1).publicInput;
        assertTrue(realVerifier.verifyBlocks(32, proofs, inputs), "batch of 2 accepted");
        inputs[1] ^= 1;
        assertTrue(!realVerifier.verifyBlocks(32, proofs, inputs), "batch with a wrong input refused");
    }
}

contract ProveBlocksRealTest is ProveBlocksTest {}
