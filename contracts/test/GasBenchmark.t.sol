// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Governance} from "../src/Governance.sol";
import {IERC20} from "../src/IERC20.sol";
import {IVerifier} from "../src/IVerifier.sol";
import {Rollup} from "../src/Rollup.sol";
import {Verifier} from "../src/Verifier.sol";
import {Test} from "./utils/Test.sol";
import {TestOnlyEchoVerifier} from "./utils/TestOnlyVerifiers.sol";
import {TestERC20} from "./tokens/TestTokens.sol";
import {ExitFixture} from "./Exodus.t.sol";

/// @dev L1 gas figures for docs/benchmarks.md ("L1 gas"): run with
/// `forge test --match-contract GasBenchmark -vv` and read the logs.
///
/// Method. Each measured call is sent as a low-level call with calldata encoded beforehand, after
/// `vm.cool` on every contract it touches (so storage and accounts are cold, as at the start of a
/// transaction), and its execution gas is the gasleft() difference minus the 2,600 of the cold
/// account access (a transaction's `to` is warm). A transaction's gas is then computed per EIP-7623
/// (in anvil's default hardfork): tokens = zero bytes + 4 × nonzero bytes of the calldata;
/// standard = 21,000 + 4 × zero + 16 × nonzero + execution; floor = 21,000 + 10 × tokens;
/// gas = max(standard, floor). The floor binds iff execution < 6 × tokens.
/// Blocks are proven with TestOnlyEchoVerifier (a test double; proof verification is measured on
/// the real verifier in circuit/tests/verifier_evm.rs and below for exits).
contract GasBenchmark is Test, ExitFixture {
    event log_named_uint(string key, uint256 val);
    event log_named_string(string key, string val);

    address internal constant VALIDATOR = address(0x7a11da7e);
    address internal constant USER = address(0xD0D0);

    // The vector Transfer (testdata/block_vectors.json block 3: ids 1 → 2, token 1): 9 of 20 bytes nonzero.
    bytes internal constant TRANSFER_SPARSE = hex"0500000001000100000002001312d0007d020000";
    // A Transfer between large account ids (3-byte ids, 1 ETH, fee 1.23e12): 15 of 20 bytes nonzero.
    bytes internal constant TRANSFER_DENSE = hex"05000a1b2c0001000d3e4f4a817c800899c90000";

    Governance internal governance;
    TestOnlyEchoVerifier internal verifier;
    Rollup internal rollup;
    TestERC20 internal token;
    Rollup.StoredBlock internal last;

    struct Tx {
        uint256 execution;
        uint256 zeros;
        uint256 nonzeros;
    }

    function setUp() public {
        governance = new Governance(address(this));
        governance.setValidator(VALIDATOR, true);
        token = new TestERC20();
        governance.addToken(address(token));
        verifier = new TestOnlyEchoVerifier(true, IVerifier(address(0)));
        for (uint256 c = 128; c <= 2048; c *= 4) {
            verifier.addBlockSize(c);
        }
        vm.warp(1_700_000_000);
        rollup = new Rollup(governance, verifier, bytes32(uint256(1)), 100);
        last = Rollup.StoredBlock(0, 0, 0, bytes32(0), uint64(block.timestamp), bytes32(uint256(1)), bytes32(0));
        vm.deal(USER, 1_000 ether);
        vm.deal(address(rollup), 1_000 ether);
    }

    // ---- measuring ----

    function _send(address from, address to, bytes memory data, uint256 value) internal returns (Tx memory t) {
        vm.cool(address(rollup));
        vm.cool(address(governance));
        vm.cool(address(verifier));
        vm.cool(address(token));
        vm.prank(from, from);
        uint256 before = gasleft();
        (bool ok, bytes memory ret) = to.call{value: value}(data);
        uint256 used = before - gasleft();
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        t.execution = used - 2600;
        for (uint256 i = 0; i < data.length; i++) {
            if (data[i] == 0) t.zeros++;
            else t.nonzeros++;
        }
    }

    function _standard(Tx memory t) internal pure returns (uint256) {
        return 21_000 + 4 * t.zeros + 16 * t.nonzeros + t.execution;
    }

    function _floor(Tx memory t) internal pure returns (uint256) {
        return 21_000 + 10 * (t.zeros + 4 * t.nonzeros);
    }

    function _gas(Tx memory t) internal pure returns (uint256) {
        uint256 s = _standard(t);
        uint256 f = _floor(t);
        return s > f ? s : f;
    }

    function _log(string memory what, Tx memory t) internal {
        emit log_named_uint(string.concat(what, ": execution"), t.execution);
        emit log_named_uint(string.concat(what, ": calldata tokens"), t.zeros + 4 * t.nonzeros);
        emit log_named_uint(string.concat(what, ": tx gas, standard"), _standard(t));
        emit log_named_uint(string.concat(what, ": tx gas, EIP-7623 floor"), _floor(t));
        emit log_named_string(string.concat(what, ": floor binds"), _floor(t) > _standard(t) ? "yes" : "no");
    }

    function _block(uint256 chunks, uint256 transfers, bytes memory transfer)
        internal
        view
        returns (Rollup.CommitBlock memory b)
    {
        b.blockNumber = last.blockNumber + 1;
        b.newStateRoot = bytes32(uint256(b.blockNumber) + 1);
        b.timestamp = uint64(block.timestamp);
        b.publicData = new bytes(chunks * 10);
        for (uint256 i = 0; i < transfers; i++) {
            for (uint256 k = 0; k < 20; k++) {
                b.publicData[i * 20 + k] = transfer[k];
            }
        }
    }

    /// @dev Commits one block (as the next one) and returns its measured transaction.
    function _commit(Rollup.CommitBlock memory b) internal returns (Tx memory t) {
        Rollup.CommitBlock[] memory blocks = new Rollup.CommitBlock[](1);
        blocks[0] = b;
        vm.recordLogs();
        t = _send(VALIDATOR, address(rollup), abi.encodeCall(Rollup.commitBlocks, (last, blocks)), 0);
        last = _lastCommitted();
    }

    function _lastCommitted() internal returns (Rollup.StoredBlock memory s) {
        bytes32 topic = keccak256("BlockCommit(uint32,(uint32,uint32,uint64,bytes32,uint64,bytes32,bytes32))");
        Vm_Log[] memory logs = _logs();
        for (uint256 i = logs.length; i > 0; i--) {
            if (logs[i - 1].topics[0] == topic) return abi.decode(logs[i - 1].data, (Rollup.StoredBlock));
        }
        revert("no BlockCommit");
    }

    struct Vm_Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function _logs() internal returns (Vm_Log[] memory out) {
        bytes memory raw = abi.encode(vm.getRecordedLogs());
        out = abi.decode(raw, (Vm_Log[]));
    }

    // ---- the figures ----

    function test_gas_deposits() public {
        // A warm-up deposit first: later ones find the queue counters nonzero (the usual case).
        vm.prank(USER);
        rollup.depositETH{value: 1 ether}(USER);
        Tx memory eth = _send(USER, address(rollup), abi.encodeCall(Rollup.depositETH, (USER)), 1 ether);
        _log("depositETH", eth);
        token.mint(USER, 10 ** 24);
        vm.prank(USER);
        token.approve(address(rollup), type(uint256).max);
        Tx memory erc20 = _send(
            USER, address(rollup), abi.encodeCall(Rollup.depositERC20, (IERC20(address(token)), 10 ** 18, USER)), 0
        );
        _log("depositERC20", erc20);
        Tx memory fullExit = _send(USER, address(rollup), abi.encodeCall(Rollup.requestFullExit, (7, address(0))), 0);
        _log("requestFullExit", fullExit);
    }

    function test_gas_commit() public {
        _commit(_block(8, 0, TRANSFER_SPARSE)); // warm-up: block counters become nonzero
        Tx memory noop8 = _commit(_block(8, 0, TRANSFER_SPARSE));
        Tx memory noop32 = _commit(_block(32, 0, TRANSFER_SPARSE));
        _log("commit 8 Noop chunks", noop8);
        _log("commit 32 Noop chunks", noop32);
        emit log_named_uint("commit: marginal tx gas per Noop chunk (8 -> 32)", (_gas(noop32) - _gas(noop8)) / 24);

        for (uint256 pattern = 0; pattern < 2; pattern++) {
            bytes memory transfer = pattern == 0 ? TRANSFER_SPARSE : TRANSFER_DENSE;
            string memory name = pattern == 0 ? "sparse transfers" : "dense transfers";
            Tx[5] memory txs;
            uint256 i;
            for (uint256 chunks = 8; chunks <= 2048; chunks *= 4) {
                txs[i] = _commit(_block(chunks, chunks / 2, transfer));
                _log(string.concat("commit ", vm.toString(chunks), " chunks of ", name), txs[i]);
                i++;
            }
            // Marginal gas per transfer between blocks full of transfers: 4 → 16 and 256 → 1024 transfers.
            uint256 smallStd = (_standard(txs[1]) - _standard(txs[0])) / 12;
            uint256 largeStd = (_standard(txs[4]) - _standard(txs[3])) / 768;
            uint256 largeGas = (_gas(txs[4]) - _gas(txs[3])) / 768;
            uint256 execPer = (txs[4].execution - txs[3].execution) / 768;
            emit log_named_uint(string.concat(name, ": marginal execution gas per transfer"), execPer);
            emit log_named_uint(string.concat(name, ": marginal tx gas per transfer, standard pricing, 8->32 chunks"), smallStd);
            emit log_named_uint(string.concat(name, ": marginal tx gas per transfer, standard pricing, 512->2048"), largeStd);
            emit log_named_uint(string.concat(name, ": marginal tx gas per transfer, with the floor, 512->2048"), largeGas);
            if (pattern == 0) {
                // The target (≤ 350 per transfer, zkSync Lite: 300) holds wherever the floor does not bind.
                assertTrue(smallStd <= 350 && largeStd <= 350, "marginal commit gas per transfer <= 350");
            }
        }
    }

    function test_gas_commitBatchOfFour() public {
        _commit(_block(8, 0, TRANSFER_SPARSE));
        Rollup.CommitBlock[] memory blocks = new Rollup.CommitBlock[](4);
        for (uint256 i = 0; i < 4; i++) {
            blocks[i] = _block(32, 16, TRANSFER_SPARSE);
            blocks[i].blockNumber = last.blockNumber + 1 + uint32(i);
        }
        Tx memory t = _send(VALIDATOR, address(rollup), abi.encodeCall(Rollup.commitBlocks, (last, blocks)), 0);
        _log("commit 4 blocks of 32 chunks (16 sparse transfers each) in one call", t);
    }

    function test_gas_proveEchoOverhead() public {
        // The Rollup's own cost around the verifier (hash checks, grouping), with the echo double.
        _commit(_block(32, 16, TRANSFER_SPARSE));
        Rollup.StoredBlock[] memory one = new Rollup.StoredBlock[](1);
        one[0] = last;
        uint256[8][] memory proofs = new uint256[8][](1);
        proofs[0] = verifier.echoProof(32, uint256(last.commitment) >> 3);
        Tx memory t = _send(address(this), address(rollup), abi.encodeCall(Rollup.proveBlocks, (one, proofs)), 0);
        _log("proveBlocks of 1 block, echo verifier (Rollup overhead only)", t);
    }

    function test_gas_performExodus() public {
        exits = vm.readFile(EXITS);
        bytes32 root = vm.parseJsonBytes32(exits, ".stateRoot");
        Verifier real = new Verifier();
        vm.roll(10);
        Rollup r = new Rollup(governance, IVerifier(address(real)), root, 100);
        Rollup.StoredBlock memory genesis = Rollup.StoredBlock(0, 0, 0, bytes32(0), uint64(block.timestamp), root, bytes32(0));
        vm.prank(USER);
        r.depositETH{value: 1 ether}(USER);
        vm.roll(200);
        r.activateExodusMode();
        Exit memory e = _exit(0);
        vm.cool(address(real));
        vm.cool(address(r));
        Tx memory t = _send(
            USER, address(r), abi.encodeCall(Rollup.performExodus, (genesis, e.accountId, e.owner, e.tokenId, e.amount, e.proof)), 0
        );
        assertEq(r.pendingBalances(e.owner, 0), e.amount, "credited");
        _log("performExodus (real exit proof)", t);
    }

    function test_gas_executePerWithdrawal() public {
        // A block of 6 Withdraws (distinct new recipients) against one of Noops: the difference / 6.
        Rollup.CommitBlock memory noops = _block(32, 0, TRANSFER_SPARSE);
        _commit(noops);
        Rollup.StoredBlock memory a = last;
        Rollup.CommitBlock memory w = _block(32, 0, TRANSFER_SPARSE);
        bytes[] memory ops = new bytes[](6);
        for (uint256 i = 0; i < 6; i++) {
            bytes memory op = abi.encodePacked(
                uint8(3), uint32(5 + i), uint16(1), uint128(10 ** 18 + i), uint16(0x99c9), address(uint160(0xbeef00 + i)), bytes5(0)
            );
            for (uint256 k = 0; k < 50; k++) {
                w.publicData[i * 50 + k] = op[k];
            }
            ops[i] = op;
        }
        w.onchainOperations = new Rollup.OnchainOperationData[](6);
        for (uint256 i = 0; i < 6; i++) {
            w.onchainOperations[i].publicDataOffset = uint32(i * 50);
        }
        Tx memory commitW = _commit(w);
        _log("commit 32 chunks: 6 Withdraws", commitW);
        Rollup.StoredBlock memory b = last;
        Rollup.StoredBlock[] memory both = new Rollup.StoredBlock[](2);
        (both[0], both[1]) = (a, b);
        uint256[8][] memory proofs = new uint256[8][](2);
        proofs[0] = verifier.echoProof(32, uint256(a.commitment) >> 3);
        proofs[1] = verifier.echoProof(32, uint256(b.commitment) >> 3);
        rollup.proveBlocks(both, proofs);

        Rollup.ExecuteBlock[] memory ea = new Rollup.ExecuteBlock[](1);
        ea[0] = Rollup.ExecuteBlock(a, new bytes[](0));
        Tx memory execNoop = _send(VALIDATOR, address(rollup), abi.encodeCall(Rollup.executeBlocks, (ea)), 0);
        Rollup.ExecuteBlock[] memory eb = new Rollup.ExecuteBlock[](1);
        eb[0] = Rollup.ExecuteBlock(b, ops);
        Tx memory execW = _send(VALIDATOR, address(rollup), abi.encodeCall(Rollup.executeBlocks, (eb)), 0);
        _log("executeBlocks: 1 block, no payout", execNoop);
        _log("executeBlocks: 1 block, 6 Withdraws", execW);
        emit log_named_uint("execute: marginal tx gas per withdrawal", (_gas(execW) - _gas(execNoop)) / 6);

        // Paying one out.
        token.mint(address(rollup), 10 ** 24);
        Tx memory wd = _send(
            USER, address(rollup), abi.encodeCall(Rollup.withdrawPendingBalance, (payable(address(uint160(0xbeef00))), address(token), 10 ** 18)), 0
        );
        assertEq(token.balanceOf(address(uint160(0xbeef00))), 10 ** 18, "paid");
        _log("withdrawPendingBalance (ERC-20)", wd);
    }
}
