// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {DeployFactory} from "../src/DeployFactory.sol";
import {Governance} from "../src/Governance.sol";
import {IVerifier} from "../src/IVerifier.sol";
import {Rollup} from "../src/Rollup.sol";
import {Verifier} from "../src/Verifier.sol";
import {Test} from "./utils/Test.sol";
import {TestOnlyEchoVerifier} from "./utils/TestOnlyVerifiers.sol";
import {TestERC20} from "./tokens/TestTokens.sol";

/// @dev The deploy path: the Rollup constructor's checks (dev keys only on chain 31337, the genesis
/// root a field element) and DeployFactory's one-transaction deployment.
contract DeployTest is Test {
    bytes32 internal constant GENESIS_ROOT = 0x0985ddd1328471f60a953da2435e6635c1e2141010441c1b40e028bfe0dc1412;
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    address internal constant GOVERNOR = address(0x60);
    address internal constant VALIDATOR = address(0x7a11da7e);

    Verifier internal devVerifier;
    Governance internal governance;

    function setUp() public {
        devVerifier = new Verifier();
        governance = new Governance(address(this));
    }

    function test_generatedVerifier_hasDevKeysAndTheDevBlockSizes() public view {
        assertTrue(devVerifier.DEV_KEYS(), "keys/ holds dev keys");
        uint256[] memory sizes = devVerifier.blockSizes();
        assertEq(sizes.length, 2, "keys/block_8.vk.json and keys/block_32.vk.json");
        assertEq(sizes[0], 8, "8 chunks");
        assertEq(sizes[1], 32, "32 chunks");
        assertTrue(devVerifier.isBlockSize(8) && devVerifier.isBlockSize(32), "dev sizes");
        assertTrue(!devVerifier.isBlockSize(16) && !devVerifier.isBlockSize(0), "no other size");
    }

    function test_rollup_acceptsDevKeysOnDevChain() public {
        assertEq(block.chainid, 31337, "forge runs as the dev chain");
        vm.warp(1234);
        Rollup r = new Rollup(governance, IVerifier(address(devVerifier)), GENESIS_ROOT, 100);
        Rollup.StoredBlock memory genesis = Rollup.StoredBlock(0, 0, 0, bytes32(0), 1234, GENESIS_ROOT, bytes32(0));
        assertEq(r.storedBlockHashes(0), keccak256(abi.encode(genesis)), "genesis stored");
        assertEq(r.totalBlocksCommitted(), 0, "genesis is block 0");
        assertEq(r.totalBlocksExecuted(), 0, "and executed");
        assertEq(address(r.verifier()), address(devVerifier), "verifier");
        // Forge does not enforce EIP-170; a real chain refuses a larger contract (anvil too).
        assertTrue(address(r).code.length <= 24_576, "Rollup under the 24,576-byte code size limit");
    }

    function test_rollup_refusesDevKeysOnOtherChains() public {
        vm.chainId(1);
        vm.expectRevert(abi.encodeWithSelector(Rollup.DevKeysOnNonDevChain.selector, 1));
        new Rollup(governance, IVerifier(address(devVerifier)), GENESIS_ROOT, 7_200);
        // A verifier without dev keys is fine there.
        Rollup r = new Rollup(governance, new TestOnlyEchoVerifier(false, IVerifier(address(0))), GENESIS_ROOT, 7_200);
        assertEq(r.priorityExpiration(), 7_200, "deployed");
    }

    function test_rollup_refusesGenesisRootOutsideTheField() public {
        vm.expectRevert(abi.encodeWithSelector(Rollup.GenesisRootNotInField.selector, bytes32(R)));
        new Rollup(governance, IVerifier(address(devVerifier)), bytes32(R), 100);
        new Rollup(governance, IVerifier(address(devVerifier)), bytes32(R - 1), 100);
    }

    function test_rollup_emitsGenesisCommit() public {
        vm.warp(99);
        Rollup.StoredBlock memory genesis = Rollup.StoredBlock(0, 0, 0, bytes32(0), 99, GENESIS_ROOT, bytes32(0));
        vm.expectEmit();
        emit Rollup.BlockCommit(0, genesis);
        new Rollup(governance, IVerifier(address(devVerifier)), GENESIS_ROOT, 100);
    }

    function test_factory_deploysEverythingInOneTransaction() public {
        address[] memory tokens = new address[](2);
        tokens[0] = address(new TestERC20());
        tokens[1] = address(new TestERC20());
        DeployFactory f = new DeployFactory(IVerifier(address(devVerifier)), GENESIS_ROOT, GOVERNOR, VALIDATOR, 100, tokens);
        Governance g = f.governance();
        Rollup r = f.rollup();
        assertEq(g.governor(), GOVERNOR, "governor handed over");
        assertTrue(g.isValidator(VALIDATOR), "validator");
        assertTrue(!g.isValidator(address(f)), "factory is no validator");
        assertEq(g.tokenIds(tokens[0]), 1, "token 1");
        assertEq(g.tokenIds(tokens[1]), 2, "token 2");
        assertEq(address(r.governance()), address(g), "rollup's governance");
        assertEq(address(r.verifier()), address(devVerifier), "rollup's verifier");
        assertEq(r.priorityExpiration(), 100, "expiration");
        Rollup.StoredBlock memory genesis =
            Rollup.StoredBlock(0, 0, 0, bytes32(0), uint64(block.timestamp), GENESIS_ROOT, bytes32(0));
        assertEq(r.storedBlockHashes(0), keccak256(abi.encode(genesis)), "genesis");
        // The factory keeps no power.
        vm.prank(address(f));
        vm.expectRevert(abi.encodeWithSelector(Governance.NotGovernor.selector, address(f)));
        g.setValidator(address(f), true);
    }

    function test_factory_refusesDevKeysOffDevChainAndZeroGovernor() public {
        vm.chainId(5);
        vm.expectRevert(abi.encodeWithSelector(Rollup.DevKeysOnNonDevChain.selector, 5));
        new DeployFactory(IVerifier(address(devVerifier)), GENESIS_ROOT, GOVERNOR, VALIDATOR, 7_200, new address[](0));
        // The Rollup's expiration bounds hold through the factory too.
        vm.expectRevert(abi.encodeWithSelector(Rollup.PriorityExpirationOutOfRange.selector, 100, 7_200, 216_000));
        new DeployFactory(IVerifier(address(devVerifier)), GENESIS_ROOT, GOVERNOR, VALIDATOR, 100, new address[](0));
        vm.chainId(31337);
        vm.expectRevert(DeployFactory.ZeroGovernor.selector);
        new DeployFactory(IVerifier(address(devVerifier)), GENESIS_ROOT, address(0), VALIDATOR, 100, new address[](0));
    }
}
