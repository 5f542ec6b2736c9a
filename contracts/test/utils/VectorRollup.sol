// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Test} from "./Test.sol";
import {Governance} from "../../src/Governance.sol";
import {IERC20} from "../../src/IERC20.sol";
import {IVerifier} from "../../src/IVerifier.sol";
import {Rollup} from "../../src/Rollup.sol";
import {TestERC20} from "../tokens/TestTokens.sol";

/// @title VectorRollup
/// @notice Test base: a Rollup deployed exactly as `testdata/block_vectors.json` assumes (chain 31337,
/// address 0x5fbd…0aa3 = the first contract created by the operator 0xf39f…2266, genesis root and
/// tokens 1, 2 of the vectors), the vectors' six priority requests queued in serial order, and the
/// vector blocks 1–3 read from the file as `CommitBlock`s with their expected `StoredBlock`s.
abstract contract VectorRollup is Test {
    string internal constant VECTORS = "../testdata/block_vectors.json";

    address internal constant OPERATOR = 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266;
    address internal constant ROLLUP_ADDRESS = 0x5FbDB2315678afecb367f032d93F642f64180aa3;
    address internal constant ALICE = 0x70997970C51812Dc3A010C7d01b50e20d4c3C8AA; // account 1
    address internal constant BOB = 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC; // account 2
    address internal constant CAROL = 0x90F79bf6EB2c4f870365E785982E1f101E93b906; // account 3, keyless
    address internal constant DAVE = 0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65; // no L2 account
    // Bob's address is anvil's dev account 2, whose (public) key signs EIP-712 ChangePubKey
    // witnesses in the tests; Alice's vector address has no known key.
    uint256 internal constant BOB_L1_KEY = 0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a;
    bytes20 internal constant ALICE_PKH = bytes20(hex"11568590c6159032b82296d7bf7e9c40eb61530e");
    bytes20 internal constant BOB_PKH = bytes20(hex"37fd6e53ba9c85d7113bf303562964026c1efbc5");
    address internal constant VALIDATOR = address(0x7a11da7e);
    uint64 internal constant EXPIRATION = 100;
    uint64 internal constant T1 = 1700000000; // block 1's timestamp; genesis is deployed then

    Governance internal governance;
    Rollup internal rollup;
    TestERC20 internal token1;
    TestERC20 internal token2;
    string internal vectors;
    uint64 internal genesisTimestamp;

    /// @dev Deploys governance (this contract governs; VALIDATOR validates), tokens 1 and 2, and the
    /// Rollup at the vectors' address with `verifier` and genesis root `genesisRoot`.
    function _deployVectorRollup(IVerifier verifier, bytes32 genesisRoot) internal {
        vectors = vm.readFile(VECTORS);
        vm.warp(T1);
        governance = new Governance(address(this));
        governance.setValidator(VALIDATOR, true);
        token1 = new TestERC20();
        token2 = new TestERC20();
        governance.addToken(address(token1));
        governance.addToken(address(token2));
        assertEq(vm.getNonce(OPERATOR), 0, "operator nonce");
        vm.prank(OPERATOR);
        rollup = new Rollup(governance, verifier, genesisRoot, EXPIRATION);
        assertEq(address(rollup), ROLLUP_ADDRESS, "rollup at the vectors' address");
        genesisTimestamp = uint64(block.timestamp);
    }

    function _vectorGenesisRoot() internal view returns (bytes32) {
        return vm.parseJsonBytes32(vectors, ".genesis.root");
    }

    function _genesisStored(bytes32 root) internal view returns (Rollup.StoredBlock memory) {
        return Rollup.StoredBlock({
            blockNumber: 0,
            chunks: 0,
            priorityOperations: 0,
            pendingOnchainOpsHash: bytes32(0),
            timestamp: genesisTimestamp,
            stateRoot: root,
            commitment: bytes32(0)
        });
    }

    /// @dev The six priority requests of the vectors (blocks[*].inputs, serial ids 0…5), queued by
    /// their L1 senders with real ETH and tokens.
    function _queueVectorRequests() internal {
        vm.deal(ALICE, 100 ether);
        vm.deal(BOB, 100 ether);
        // 0: Deposit 10 ETH, Alice → Alice.
        vm.prank(ALICE);
        rollup.depositETH{value: 10 ether}(ALICE);
        // 1: Deposit 5,000,000,000 of token 1, Alice → Alice.
        _depositToken(token1, ALICE, 5_000_000_000, ALICE);
        // 2: Deposit 2 ETH, Bob → Bob.
        vm.prank(BOB);
        rollup.depositETH{value: 2 ether}(BOB);
        // 3: FullExit of account 2's ETH, by Bob.
        vm.prank(BOB);
        rollup.requestFullExit(2, address(0));
        // 4: Deposit 0.7e18 of token 2, Dave → Carol.
        _depositToken(token2, DAVE, 700_000_000_000_000_000, CAROL);
        // 5: FullExit of account 1's ETH, by Dave (not the owner).
        vm.prank(DAVE);
        rollup.requestFullExit(1, address(0));
        assertEq(rollup.totalOpenPriorityRequests(), 6, "six requests queued");
    }

    function _depositToken(TestERC20 t, address from, uint128 amount, address to) internal {
        t.mint(from, amount);
        vm.prank(from);
        t.approve(address(rollup), amount);
        vm.prank(from);
        rollup.depositERC20(IERC20(address(t)), amount, to);
    }

    /// @dev The L1 ChangePubKey authorizations of blocks 1's two ChangePubKeys (nonce 0).
    function _setVectorAuthFacts() internal {
        vm.prank(ALICE);
        rollup.setAuthPubkeyHash(ALICE_PKH, 0);
        vm.prank(BOB);
        rollup.setAuthPubkeyHash(BOB_PKH, 0);
    }

    function _key(uint256 i, string memory field) internal pure returns (string memory) {
        return string.concat(".blocks[", vm.toString(i), "].", field);
    }

    /// @dev The header timestamp of vector block `i + 1`: a u64, so a decimal string in the JSON
    /// (docs/protocol.md §9.2).
    function _timestamp(uint256 i) internal view returns (uint64) {
        return uint64(vm.parseUint(vm.parseJsonString(vectors, _key(i, "header.timestamp"))));
    }

    /// @dev Offsets of the onchain ops of vector block `n` (1…3), from its `ops` (see §7.1 chunks).
    function _onchainOffsets(uint256 n) internal pure returns (uint32[] memory o) {
        if (n == 1) {
            // Deposit 0, Deposit 50, ChangePubKey 100, Deposit 160, ChangePubKey 210, (Transfer 270, Noops)
            o = new uint32[](5);
            (o[0], o[1], o[2], o[3], o[4]) = (0, 50, 100, 160, 210);
        } else if (n == 2) {
            // (TransferToNew 0), FullExit 40, (Transfer 90), Deposit 110, Withdraw 160, FullExit 210, (Noops)
            o = new uint32[](4);
            (o[0], o[1], o[2], o[3]) = (40, 110, 160, 210);
        } else {
            // (Transfer 0), ForcedExit 20, (Noop 70)
            o = new uint32[](1);
            o[0] = 20;
        }
    }

    /// @dev Vector block `n` (1…3) as committed, with empty witnesses (ChangePubKeys by fact).
    function _commitBlock(uint256 n) internal view returns (Rollup.CommitBlock memory b) {
        uint256 i = n - 1;
        b.blockNumber = uint32(vm.parseJsonUint(vectors, _key(i, "header.number")));
        b.feeAccount = uint32(vm.parseJsonUint(vectors, _key(i, "header.feeAccount")));
        b.newStateRoot = vm.parseJsonBytes32(vectors, _key(i, "newRoot"));
        b.timestamp = _timestamp(i);
        b.publicData = vm.parseJsonBytes(vectors, _key(i, "pubdata"));
        uint32[] memory offsets = _onchainOffsets(n);
        b.onchainOperations = new Rollup.OnchainOperationData[](offsets.length);
        for (uint256 k = 0; k < offsets.length; k++) {
            b.onchainOperations[k].publicDataOffset = offsets[k];
        }
    }

    /// @dev The payout ops (Withdraw, FullExit, ForcedExit) of vector block `n`, padded, in order.
    function _payoutOps(uint256 n) internal view returns (bytes[] memory ops) {
        bytes memory pubdata = vm.parseJsonBytes(vectors, _key(n - 1, "pubdata"));
        if (n == 1) return new bytes[](0);
        if (n == 2) {
            ops = new bytes[](3);
            ops[0] = _slice(pubdata, 40, 50); // FullExit of Bob's ETH
            ops[1] = _slice(pubdata, 160, 50); // Withdraw Alice → Dave, token 1
            ops[2] = _slice(pubdata, 210, 50); // FullExit by Dave, amount 0
        } else {
            ops = new bytes[](1);
            ops[0] = _slice(pubdata, 20, 50); // ForcedExit of Carol's ETH
        }
    }

    /// @dev The StoredBlock that committing vector block `n` must produce (commitment from the file).
    function _expectedStored(uint256 n) internal view returns (Rollup.StoredBlock memory s) {
        uint256 i = n - 1;
        s.blockNumber = uint32(n);
        s.chunks = uint32(vm.parseJsonUint(vectors, _key(i, "header.chunks")));
        s.priorityOperations = uint64(vm.parseJsonUint(vectors, _key(i, "priorityOps")));
        bytes[] memory ops = _payoutOps(n);
        for (uint256 k = 0; k < ops.length; k++) {
            s.pendingOnchainOpsHash = keccak256(abi.encodePacked(s.pendingOnchainOpsHash, ops[k]));
        }
        s.timestamp = _timestamp(i);
        s.stateRoot = vm.parseJsonBytes32(vectors, _key(i, "newRoot"));
        s.commitment = vm.parseJsonBytes32(vectors, _key(i, "commitment"));
    }

    function _slice(bytes memory data, uint256 start, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 k = 0; k < len; k++) {
            out[k] = data[start + k];
        }
    }

    function _commitBlocks(uint256 from, uint256 to) internal {
        Rollup.CommitBlock[] memory blocks = new Rollup.CommitBlock[](to - from + 1);
        for (uint256 n = from; n <= to; n++) {
            blocks[n - from] = _commitBlock(n);
        }
        Rollup.StoredBlock memory last = from == 1 ? _genesisStored(_vectorGenesisRoot()) : _expectedStored(from - 1);
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(last, blocks);
    }

    function _one(Rollup.CommitBlock memory b) internal pure returns (Rollup.CommitBlock[] memory blocks) {
        blocks = new Rollup.CommitBlock[](1);
        blocks[0] = b;
    }

    function _storedRange(uint256 from, uint256 to) internal view returns (Rollup.StoredBlock[] memory s) {
        s = new Rollup.StoredBlock[](to - from + 1);
        for (uint256 n = from; n <= to; n++) {
            s[n - from] = _expectedStored(n);
        }
    }
}
