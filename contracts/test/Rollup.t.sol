// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Test} from "./utils/Test.sol";
import {Vm} from "./utils/Vm.sol";
import {Governance} from "../src/Governance.sol";
import {IERC20} from "../src/IERC20.sol";
import {Operations} from "../src/Operations.sol";
import {Rollup} from "../src/Rollup.sol";
import {TestOnlyEchoVerifier} from "./utils/TestOnlyVerifiers.sol";
import {IVerifier} from "../src/IVerifier.sol";
import {FeeOnTransferToken, IDepositERC20, NoReturnToken, ReentrantToken, TestERC20} from "./tokens/TestTokens.sol";
import {BonusToken} from "./tokens/PayoutTokens.sol";

/// @dev The deposit side of Rollup: deposits and full-exit requests queued as priority requests.
/// The vector constants are those of Operations.t.sol, copied from testdata/tx_op_vectors.json →
/// priorityOps (a Deposit at serial id 0 expiring at block 100, a FullExit at serial id 1 expiring
/// at block 101); test_vectorRequests_reproduced queues the same two requests through the contract.
contract RollupTest is Test {
    uint64 internal constant EXPIRATION = 100;
    uint256 internal constant MAX_DEPOSIT = 2 ** 104 - 1;
    // testdata/block_vectors.json → genesis.root
    bytes32 internal constant GENESIS_ROOT = 0x0985ddd1328471f60a953da2435e6635c1e2141010441c1b40e028bfe0dc1412;

    // priorityOps[0]: Deposit {from: 0xf39f…2266, to: 0x7099…c8aa, token: 0, amount: 5e18}.
    bytes internal constant DEPOSIT_L1_PUBDATA =
        hex"0100000000000000000000000000004563918244f4000070997970c51812dc3a010c7d01b50e20d4c3c8aa";
    bytes20 internal constant DEPOSIT_HASH = bytes20(hex"58afdc666bb00e4c05b3020c6963fc2cd3f7ffe4");
    // priorityOps[1]: FullExit {accountId: 2, owner: 0xf39f…2266, token: 7}.
    bytes internal constant FULL_EXIT_L1_PUBDATA =
        hex"0600000002f39fd6e51aad88f6f4ce6ab8827279cfffb92266000700000000000000000000000000000000";
    bytes20 internal constant FULL_EXIT_HASH = bytes20(hex"8788a5500350289e7a3c27f15acc71419a13814a");
    address internal constant VECTOR_FROM = 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266;
    address internal constant VECTOR_TO = 0x70997970C51812Dc3A010C7d01b50e20d4c3C8AA;

    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);

    Governance internal governance;
    Rollup internal rollup;
    TestOnlyEchoVerifier internal verifier;
    TestERC20 internal token; // id 1
    FeeOnTransferToken internal feeToken; // id 2
    NoReturnToken internal noReturnToken; // id 3
    ReentrantToken internal reentrantToken; // id 4
    TestERC20 internal unlisted;

    function setUp() public {
        governance = new Governance(address(this));
        verifier = new TestOnlyEchoVerifier(true, IVerifier(address(0)));
        rollup = new Rollup(governance, verifier, GENESIS_ROOT, EXPIRATION);
        token = new TestERC20();
        feeToken = new FeeOnTransferToken();
        noReturnToken = new NoReturnToken();
        reentrantToken = new ReentrantToken();
        unlisted = new TestERC20();
        governance.addToken(address(token));
        governance.addToken(address(feeToken));
        governance.addToken(address(noReturnToken));
        governance.addToken(address(reentrantToken));
        vm.deal(ALICE, 100 ether);
    }

    // ---- helpers ----

    function _depositHash(uint16 tokenId, uint128 amount, address to) internal pure returns (bytes20) {
        return Operations.depositHash(Operations.Deposit({accountId: 0, tokenId: tokenId, amount: amount, owner: to}));
    }

    function _fullExitHash(uint32 accountId, address owner, uint16 tokenId) internal pure returns (bytes20) {
        return
            Operations.fullExitHash(
                Operations.FullExit({accountId: accountId, owner: owner, tokenId: tokenId, amount: 0})
            );
    }

    function _assertRequest(uint64 serialId, bytes20 hash, uint64 expirationBlock, Operations.OpType opType)
        internal
        view
    {
        (bytes20 h, uint64 e, Operations.OpType t) = rollup.priorityRequests(serialId);
        assertEq(bytes32(h), bytes32(hash), "hashedPubdata");
        assertEq(e, expirationBlock, "expirationBlock");
        assertEq(uint256(t), uint256(opType), "opType");
    }

    function _mintAndApprove(TestERC20 t, address owner, uint256 amount) internal {
        t.mint(owner, amount);
        vm.prank(owner);
        t.approve(address(rollup), amount);
    }

    // ---- constructor ----

    function test_constructor_setsState() public view {
        assertEq(address(rollup.governance()), address(governance), "governance");
        assertEq(rollup.priorityExpiration(), EXPIRATION, "priorityExpiration");
        assertEq(rollup.firstPriorityRequestId(), 0, "firstPriorityRequestId");
        assertEq(rollup.totalOpenPriorityRequests(), 0, "totalOpenPriorityRequests");
        assertEq(rollup.MAX_DEPOSIT(), MAX_DEPOSIT, "MAX_DEPOSIT");
        assertEq(rollup.MAX_ACCOUNT_ID(), 2 ** 24 - 1, "MAX_ACCOUNT_ID");
    }

    function test_constructor_refusesZeroArguments() public {
        vm.expectRevert(Rollup.ZeroGovernance.selector);
        new Rollup(Governance(address(0)), verifier, GENESIS_ROOT, EXPIRATION);
        vm.expectRevert(Rollup.ZeroVerifier.selector);
        new Rollup(governance, IVerifier(address(0)), GENESIS_ROOT, EXPIRATION);
        vm.expectRevert(abi.encodeWithSelector(Rollup.PriorityExpirationOutOfRange.selector, 0, 10, 216_000));
        new Rollup(governance, verifier, GENESIS_ROOT, 0);
    }

    function test_constructor_boundsPriorityExpirationOnTheDevChain() public {
        // Dev chain (31337): from MIN_DEV_PRIORITY_EXPIRATION = 10 to MAX_PRIORITY_EXPIRATION, both inclusive.
        assertEq(rollup.MIN_DEV_PRIORITY_EXPIRATION(), 10, "dev min");
        assertEq(rollup.MAX_PRIORITY_EXPIRATION(), 216_000, "max");
        vm.expectRevert(abi.encodeWithSelector(Rollup.PriorityExpirationOutOfRange.selector, 9, 10, 216_000));
        new Rollup(governance, verifier, GENESIS_ROOT, 9);
        vm.expectRevert(abi.encodeWithSelector(Rollup.PriorityExpirationOutOfRange.selector, 216_001, 10, 216_000));
        new Rollup(governance, verifier, GENESIS_ROOT, 216_001);
        // A value whose `block.number + expiration` would overflow is refused, not deployed to revert later.
        vm.expectRevert(
            abi.encodeWithSelector(Rollup.PriorityExpirationOutOfRange.selector, type(uint64).max, 10, 216_000)
        );
        new Rollup(governance, verifier, GENESIS_ROOT, type(uint64).max);
        assertEq(new Rollup(governance, verifier, GENESIS_ROOT, 10).priorityExpiration(), 10, "min accepted");
        Rollup longest = new Rollup(governance, verifier, GENESIS_ROOT, 216_000);
        vm.roll(1000);
        vm.prank(ALICE);
        longest.depositETH{value: 1}(ALICE);
        (, uint64 expiration,) = longest.priorityRequests(0);
        assertEq(expiration, 1000 + 216_000, "max accepted, requests expire");
    }

    function test_constructor_boundsPriorityExpirationOnOtherChains() public {
        // Elsewhere the minimum is a day of 12 s blocks: an operator outage of minutes is no exodus.
        vm.chainId(1);
        TestOnlyEchoVerifier prod = new TestOnlyEchoVerifier(false, IVerifier(address(0)));
        assertEq(rollup.MIN_PRIORITY_EXPIRATION(), 7_200, "min");
        vm.expectRevert(abi.encodeWithSelector(Rollup.PriorityExpirationOutOfRange.selector, 7_199, 7_200, 216_000));
        new Rollup(governance, prod, GENESIS_ROOT, 7_199);
        vm.expectRevert(abi.encodeWithSelector(Rollup.PriorityExpirationOutOfRange.selector, 100, 7_200, 216_000));
        new Rollup(governance, prod, GENESIS_ROOT, 100);
        vm.expectRevert(abi.encodeWithSelector(Rollup.PriorityExpirationOutOfRange.selector, 216_001, 7_200, 216_000));
        new Rollup(governance, prod, GENESIS_ROOT, 216_001);
        assertEq(new Rollup(governance, prod, GENESIS_ROOT, 7_200).priorityExpiration(), 7_200, "min accepted");
        assertEq(new Rollup(governance, prod, GENESIS_ROOT, 216_000).priorityExpiration(), 216_000, "max accepted");
    }

    // ---- ETH ----

    function test_depositETH_queuesHashAndEmitsPubdata() public {
        vm.roll(1000);
        bytes memory pubdata =
            Operations.depositL1Pubdata(Operations.Deposit({accountId: 0, tokenId: 0, amount: 3 ether, owner: BOB}));
        vm.expectEmit(address(rollup));
        emit Rollup.NewPriorityRequest(ALICE, 0, uint8(Operations.OpType.Deposit), pubdata, 1000 + EXPIRATION);
        vm.expectEmit(address(rollup));
        emit Rollup.Deposit(0, 3 ether);
        vm.prank(ALICE);
        rollup.depositETH{value: 3 ether}(BOB);

        _assertRequest(0, _depositHash(0, 3 ether, BOB), 1000 + EXPIRATION, Operations.OpType.Deposit);
        assertEq(bytes32(_depositHash(0, 3 ether, BOB)), bytes32(Operations.priorityHash(pubdata)), "hash of pubdata");
        assertEq(rollup.totalOpenPriorityRequests(), 1, "open requests");
        assertEq(address(rollup).balance, 3 ether, "rollup ETH balance");
        assertEq(ALICE.balance, 97 ether, "sender ETH balance");
    }

    function test_depositETH_eventPubdataDecodes() public {
        vm.recordLogs();
        vm.prank(ALICE);
        rollup.depositETH{value: 7 wei}(BOB);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 2, "two events");
        assertEq(logs[0].topics[0], Rollup.NewPriorityRequest.selector, "first is NewPriorityRequest");
        assertEq(logs[0].topics[1], bytes32(uint256(uint160(ALICE))), "indexed sender");
        (uint64 serialId, uint8 opType, bytes memory pubdata, uint64 expirationBlock) =
            abi.decode(logs[0].data, (uint64, uint8, bytes, uint64));
        assertEq(serialId, 0, "serialId");
        assertEq(opType, 1, "opType");
        assertEq(expirationBlock, block.number + EXPIRATION, "expirationBlock");
        assertEq(pubdata.length, 43, "pubdata length");
        Operations.Deposit memory op = Operations.readDeposit(pubdata, 0);
        assertEq(op.accountId, 0, "accountId");
        assertEq(op.tokenId, 0, "tokenId");
        assertEq(op.amount, 7, "amount");
        assertEq(op.owner, BOB, "owner");
        assertEq(logs[1].topics[0], Rollup.Deposit.selector, "second is Deposit");
    }

    /// @dev Queues the two requests of testdata/tx_op_vectors.json → priorityOps through the contract
    /// (same fields, serial ids and expiration blocks) and compares the stored hashes with the vector's.
    function test_vectorRequests_reproduced() public {
        for (uint256 i = 0; i < 2; i++) {
            governance.addToken(address(new TestERC20()));
        }
        address token7 = address(new TestERC20());
        assertEq(governance.addToken(token7), 7, "token id 7");

        // The constants are the committed vectors (Operations.t.sol checks the same; read here too so
        // this test cannot pass against stale copies).
        string memory json = vm.readFile("../testdata/tx_op_vectors.json");
        assertEq(vm.parseJsonBytes(json, ".priorityOps[0].l1Pubdata"), DEPOSIT_L1_PUBDATA, "Deposit vector");
        assertEq(vm.parseJsonBytes(json, ".priorityOps[1].l1Pubdata"), FULL_EXIT_L1_PUBDATA, "FullExit vector");
        assertEq(bytes32(Operations.priorityHash(DEPOSIT_L1_PUBDATA)), bytes32(DEPOSIT_HASH), "Deposit hash");
        assertEq(bytes32(Operations.priorityHash(FULL_EXIT_L1_PUBDATA)), bytes32(FULL_EXIT_HASH), "FullExit hash");

        vm.roll(0);
        vm.deal(VECTOR_FROM, 5 ether);
        vm.expectEmit(address(rollup));
        emit Rollup.NewPriorityRequest(VECTOR_FROM, 0, 1, DEPOSIT_L1_PUBDATA, 100);
        vm.prank(VECTOR_FROM);
        rollup.depositETH{value: 5 ether}(VECTOR_TO);
        _assertRequest(0, DEPOSIT_HASH, 100, Operations.OpType.Deposit);

        vm.roll(1);
        vm.expectEmit(address(rollup));
        emit Rollup.NewPriorityRequest(VECTOR_FROM, 1, 6, FULL_EXIT_L1_PUBDATA, 101);
        vm.prank(VECTOR_FROM);
        rollup.requestFullExit(2, token7);
        _assertRequest(1, FULL_EXIT_HASH, 101, Operations.OpType.FullExit);
    }

    function test_depositETH_maxDepositAccepted() public {
        vm.deal(ALICE, MAX_DEPOSIT);
        vm.prank(ALICE);
        rollup.depositETH{value: MAX_DEPOSIT}(BOB);
        // forge-lint: disable-next-line(unsafe-typecast)
        _assertRequest(
            0, _depositHash(0, uint128(MAX_DEPOSIT), BOB), uint64(block.number) + EXPIRATION, Operations.OpType.Deposit
        );
    }

    function test_depositETH_refusesZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidDepositAmount.selector, 0));
        vm.prank(ALICE);
        rollup.depositETH{value: 0}(BOB);
    }

    function test_depositETH_refusesTooLargeAmount() public {
        vm.deal(ALICE, MAX_DEPOSIT + 1);
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidDepositAmount.selector, MAX_DEPOSIT + 1));
        vm.prank(ALICE);
        rollup.depositETH{value: MAX_DEPOSIT + 1}(BOB);
    }

    function test_depositETH_refusesZeroTo() public {
        vm.expectRevert(Rollup.DepositToZeroAddress.selector);
        vm.prank(ALICE);
        rollup.depositETH{value: 1 ether}(address(0));
    }

    function test_depositETH_refusedWhilePaused() public {
        governance.setTokenPaused(0, true);
        vm.expectRevert(abi.encodeWithSelector(Rollup.TokenPaused.selector, uint16(0)));
        vm.prank(ALICE);
        rollup.depositETH{value: 1 ether}(BOB);

        governance.setTokenPaused(0, false);
        vm.prank(ALICE);
        rollup.depositETH{value: 1 ether}(BOB);
        assertEq(rollup.totalOpenPriorityRequests(), 1, "accepted once resumed");
    }

    // ---- ERC-20 ----

    function test_depositERC20_queuesHashAndMovesTokens() public {
        _mintAndApprove(token, ALICE, 1000);
        bytes memory pubdata =
            Operations.depositL1Pubdata(Operations.Deposit({accountId: 0, tokenId: 1, amount: 600, owner: BOB}));
        vm.expectEmit(address(rollup));
        emit Rollup.NewPriorityRequest(ALICE, 0, 1, pubdata, uint64(block.number) + EXPIRATION);
        vm.expectEmit(address(rollup));
        emit Rollup.Deposit(1, 600);
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(token)), 600, BOB);

        _assertRequest(0, _depositHash(1, 600, BOB), uint64(block.number) + EXPIRATION, Operations.OpType.Deposit);
        assertEq(token.balanceOf(address(rollup)), 600, "rollup token balance");
        assertEq(token.balanceOf(ALICE), 400, "sender token balance");
    }

    function test_depositERC20_feeOnTransferCreditsDelta() public {
        _mintAndApprove(feeToken, ALICE, 1000);
        vm.expectEmit(address(rollup));
        emit Rollup.Deposit(2, 990);
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(feeToken)), 1000, BOB);
        assertEq(feeToken.balanceOf(address(rollup)), 990, "arrived");
        _assertRequest(0, _depositHash(2, 990, BOB), uint64(block.number) + EXPIRATION, Operations.OpType.Deposit);
    }

    function test_depositERC20_noReturnValueToken() public {
        noReturnToken.mint(ALICE, 500);
        vm.prank(ALICE);
        noReturnToken.approve(address(rollup), 500);
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(noReturnToken)), 500, BOB);
        assertEq(noReturnToken.balanceOf(address(rollup)), 500, "arrived");
        _assertRequest(0, _depositHash(3, 500, BOB), uint64(block.number) + EXPIRATION, Operations.OpType.Deposit);
    }

    function test_depositERC20_refusesFalseReturn() public {
        _mintAndApprove(token, ALICE, 1000);
        token.setMode(TestERC20.Mode.ReturnFalse);
        vm.expectRevert(abi.encodeWithSelector(Rollup.TokenTransferFailed.selector, address(token)));
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(token)), 600, BOB);
    }

    function test_depositERC20_refusesNothingReceived() public {
        _mintAndApprove(token, ALICE, 1000);
        token.setMode(TestERC20.Mode.ReturnTrueNoTransfer);
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidDepositAmount.selector, 0));
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(token)), 600, BOB);
    }

    function test_depositERC20_refusesReceivingMoreThanTheAmount() public {
        BonusToken bonus = new BonusToken();
        governance.addToken(address(bonus)); // id 5
        bonus.setBonus(1);
        bonus.mint(ALICE, 1000);
        vm.prank(ALICE);
        bonus.approve(address(rollup), 1000);
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidDepositAmount.selector, 601));
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(bonus)), 600, BOB);
        // Without the bonus the same deposit is credited as asked.
        bonus.setBonus(0);
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(bonus)), 600, BOB);
        _assertRequest(0, _depositHash(5, 600, BOB), uint64(block.number) + EXPIRATION, Operations.OpType.Deposit);
    }

    function test_depositERC20_refusesReceivingMoreThanTheCap() public {
        // Asked for exactly MAX_DEPOSIT (allowed), received one more: above the cap, refused.
        BonusToken bonus = new BonusToken();
        governance.addToken(address(bonus));
        bonus.setBonus(1);
        bonus.mint(ALICE, MAX_DEPOSIT);
        vm.prank(ALICE);
        bonus.approve(address(rollup), MAX_DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidDepositAmount.selector, MAX_DEPOSIT + 1));
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(bonus)), uint128(MAX_DEPOSIT), BOB);
        assertEq(rollup.totalOpenPriorityRequests(), 0, "nothing queued");
    }

    function test_depositERC20_passesOnTokenRevert() public {
        token.mint(ALICE, 1000); // no allowance
        vm.expectRevert(
            abi.encodeWithSelector(TestERC20.InsufficientAllowance.selector, ALICE, address(rollup), 0, 600)
        );
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(token)), 600, BOB);
    }

    function test_depositERC20_refusedWhilePaused() public {
        _mintAndApprove(token, ALICE, 1000);
        governance.setTokenPaused(1, true);
        vm.expectRevert(abi.encodeWithSelector(Rollup.TokenPaused.selector, uint16(1)));
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(token)), 600, BOB);
    }

    function test_depositERC20_refusesUnlistedToken() public {
        _mintAndApprove(unlisted, ALICE, 1000);
        vm.expectRevert(abi.encodeWithSelector(Governance.TokenNotListed.selector, address(unlisted)));
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(unlisted)), 600, BOB);
        // Address 0 (ETH) is not an ERC-20 either.
        vm.expectRevert(abi.encodeWithSelector(Governance.TokenNotListed.selector, address(0)));
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(0)), 600, BOB);
    }

    function test_depositERC20_refusesZeroAmount() public {
        _mintAndApprove(token, ALICE, 1000);
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidDepositAmount.selector, 0));
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(token)), 0, BOB);
    }

    function test_depositERC20_refusesTooLargeAmount() public {
        _mintAndApprove(token, ALICE, MAX_DEPOSIT + 1);
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidDepositAmount.selector, MAX_DEPOSIT + 1));
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(token)), uint128(MAX_DEPOSIT + 1), BOB);
        // The bound itself is fine.
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(token)), uint128(MAX_DEPOSIT), BOB);
        assertEq(rollup.totalOpenPriorityRequests(), 1, "MAX_DEPOSIT accepted");
    }

    function test_depositERC20_refusesZeroTo() public {
        _mintAndApprove(token, ALICE, 1000);
        vm.expectRevert(Rollup.DepositToZeroAddress.selector);
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(token)), 600, address(0));
    }

    // ---- reentrancy ----

    function test_depositERC20_reentrancyReverts() public {
        _mintAndApprove(reentrantToken, ALICE, 1000);
        reentrantToken.arm(IDepositERC20(address(rollup)), false);
        vm.expectRevert(Rollup.Reentrancy.selector);
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(reentrantToken)), 600, BOB);
        assertEq(rollup.totalOpenPriorityRequests(), 0, "nothing queued");
    }

    function test_depositERC20_reentryRefusedByGuard() public {
        _mintAndApprove(reentrantToken, ALICE, 1000);
        reentrantToken.arm(IDepositERC20(address(rollup)), true);
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(reentrantToken)), 600, BOB);
        assertTrue(reentrantToken.reentered(), "token called back");
        assertEq(reentrantToken.lastReentryError(), abi.encodeWithSelector(Rollup.Reentrancy.selector), "inner error");
        assertEq(rollup.totalOpenPriorityRequests(), 1, "only the outer deposit");
        _assertRequest(0, _depositHash(4, 600, BOB), uint64(block.number) + EXPIRATION, Operations.OpType.Deposit);
    }

    // ---- full exit ----

    function test_requestFullExit_queued() public {
        vm.roll(555);
        bytes memory pubdata =
            Operations.fullExitL1Pubdata(Operations.FullExit({accountId: 42, owner: ALICE, tokenId: 1, amount: 0}));
        vm.expectEmit(address(rollup));
        emit Rollup.NewPriorityRequest(ALICE, 0, 6, pubdata, 555 + EXPIRATION);
        vm.expectEmit(address(rollup));
        emit Rollup.FullExitRequest(42, 1);
        vm.prank(ALICE);
        rollup.requestFullExit(42, address(token));
        _assertRequest(0, _fullExitHash(42, ALICE, 1), 555 + EXPIRATION, Operations.OpType.FullExit);
        assertEq(rollup.totalOpenPriorityRequests(), 1, "open requests");
    }

    function test_requestFullExit_ethAndMaxAccountId() public {
        vm.prank(ALICE);
        rollup.requestFullExit(2 ** 24 - 1, address(0));
        _assertRequest(
            0, _fullExitHash(2 ** 24 - 1, ALICE, 0), uint64(block.number) + EXPIRATION, Operations.OpType.FullExit
        );
    }

    function test_requestFullExit_refusesAccountIdOutOfRange() public {
        vm.expectRevert(abi.encodeWithSelector(Rollup.AccountIdOutOfRange.selector, uint32(2 ** 24)));
        vm.prank(ALICE);
        rollup.requestFullExit(2 ** 24, address(0));
        vm.expectRevert(abi.encodeWithSelector(Rollup.AccountIdOutOfRange.selector, type(uint32).max));
        vm.prank(ALICE);
        rollup.requestFullExit(type(uint32).max, address(token));
    }

    function test_requestFullExit_refusesUnlistedToken() public {
        vm.expectRevert(abi.encodeWithSelector(Governance.TokenNotListed.selector, address(unlisted)));
        vm.prank(ALICE);
        rollup.requestFullExit(1, address(unlisted));
    }

    // ---- queue ----

    function test_serialIdsIncreaseAndExpirationFollowsBlock() public {
        _mintAndApprove(token, ALICE, 1000);
        vm.roll(10);
        vm.prank(ALICE);
        rollup.depositETH{value: 1}(BOB);
        vm.roll(20);
        vm.prank(ALICE);
        rollup.depositERC20(IERC20(address(token)), 5, BOB);
        vm.roll(35);
        vm.prank(BOB);
        rollup.requestFullExit(9, address(0));

        assertEq(rollup.totalOpenPriorityRequests(), 3, "open requests");
        assertEq(rollup.firstPriorityRequestId(), 0, "first id");
        _assertRequest(0, _depositHash(0, 1, BOB), 10 + EXPIRATION, Operations.OpType.Deposit);
        _assertRequest(1, _depositHash(1, 5, BOB), 20 + EXPIRATION, Operations.OpType.Deposit);
        _assertRequest(2, _fullExitHash(9, BOB, 0), 35 + EXPIRATION, Operations.OpType.FullExit);
        _assertRequest(3, bytes20(0), 0, Operations.OpType.Noop);

        vm.recordLogs();
        vm.prank(ALICE);
        rollup.depositETH{value: 2}(BOB);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        (uint64 serialId,,,) = abi.decode(logs[0].data, (uint64, uint8, bytes, uint64));
        assertEq(serialId, 3, "next serial id in the event");
    }

    function test_expirationUsesConstructorArgument() public {
        Rollup other = new Rollup(governance, verifier, GENESIS_ROOT, 40320);
        vm.roll(12345);
        vm.prank(ALICE);
        other.depositETH{value: 1}(BOB);
        (, uint64 e,) = other.priorityRequests(0);
        assertEq(e, 12345 + 40320, "expirationBlock");
    }
}
