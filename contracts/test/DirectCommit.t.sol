// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IVerifier} from "../src/IVerifier.sol";
import {Rollup} from "../src/Rollup.sol";
import {TestOnlyEchoVerifier} from "./utils/TestOnlyVerifiers.sol";
import {VectorRollup} from "./utils/VectorRollup.sol";

/// @notice Test double: what a multisig, a forwarder or an ERC-4337 account does for its owner, a
/// call to the Rollup with calldata of the owner's choosing. The commit's pubdata is then in the
/// calldata of a call to this contract, not of the transaction to the Rollup that data restore reads.
contract CommitForwarder {
    function forward(address target, bytes calldata data) external {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}

/// @dev Commits are refused unless they are their transaction's top-level call by a plain EOA
/// (docs/protocol.md §13.2): data restore reads each block's pubdata from the calldata of the
/// transaction that emitted its BlockCommit (§10.6).
contract DirectCommitTest is VectorRollup {
    TestOnlyEchoVerifier internal verifier;
    CommitForwarder internal forwarder;

    function setUp() public {
        verifier = new TestOnlyEchoVerifier(true, IVerifier(address(0)));
        vectors = vm.readFile(VECTORS);
        _deployVectorRollup(verifier, vm.parseJsonBytes32(vectors, ".genesis.root"));
        _queueVectorRequests();
        _setVectorAuthFacts();
        vm.warp(T1 + 1200);
        forwarder = new CommitForwarder();
        governance.setValidator(address(forwarder), true); // a validator that is a contract
    }

    function _commitCalldata() internal view returns (bytes memory) {
        return abi.encodeCall(Rollup.commitBlocks, (_genesisStored(_vectorGenesisRoot()), _one(_commitBlock(1))));
    }

    function test_commitThroughAForwardingContractIsRefused() public {
        vm.expectRevert(abi.encodeWithSelector(Rollup.CommitNotDirect.selector, address(forwarder)));
        vm.prank(VALIDATOR, VALIDATOR); // an EOA sends the transaction to the forwarder
        forwarder.forward(address(rollup), _commitCalldata());
        // commitAndProveBlocks too.
        bytes memory both = abi.encodeCall(
            Rollup.commitAndProveBlocks, (_genesisStored(_vectorGenesisRoot()), _one(_commitBlock(1)), new uint256[8][](1))
        );
        vm.expectRevert(abi.encodeWithSelector(Rollup.CommitNotDirect.selector, address(forwarder)));
        vm.prank(VALIDATOR, VALIDATOR);
        forwarder.forward(address(rollup), both);
        assertEq(rollup.totalBlocksCommitted(), 0, "nothing committed");
        // The same calldata sent directly by the EOA validator commits.
        vm.prank(VALIDATOR, VALIDATOR);
        (bool ok,) = address(rollup).call(_commitCalldata());
        assertTrue(ok, "direct commit");
        assertEq(rollup.totalBlocksCommitted(), 1, "committed directly");
    }

    function test_commitByAnEoaNotTheTransactionOriginIsRefused() public {
        // msg.sender is the validator, but the transaction came from elsewhere (a relayed call).
        vm.expectRevert(abi.encodeWithSelector(Rollup.CommitNotDirect.selector, VALIDATOR));
        vm.prank(VALIDATOR, ALICE);
        rollup.commitBlocks(_genesisStored(_vectorGenesisRoot()), _one(_commitBlock(1)));
    }

    function test_commitByADelegatedEoaIsRefused() public {
        // An EIP-7702 account is the origin of its own transactions but runs code (its delegation,
        // 0xef0100 ‖ address) that could call the Rollup from inside another call.
        vm.etch(VALIDATOR, abi.encodePacked(hex"ef0100", address(forwarder)));
        vm.expectRevert(abi.encodeWithSelector(Rollup.CommitNotDirect.selector, VALIDATOR));
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesisStored(_vectorGenesisRoot()), _one(_commitBlock(1)));
    }

    function test_otherValidatorCallsMayBeForwarded() public {
        // Execute and revert carry no pubdata that restore needs: a contract validator may send them.
        vm.prank(VALIDATOR, VALIDATOR);
        rollup.commitBlocks(_genesisStored(_vectorGenesisRoot()), _one(_commitBlock(1)));
        Rollup.StoredBlock[] memory blocks = new Rollup.StoredBlock[](1);
        blocks[0] = _expectedStored(1);
        vm.prank(VALIDATOR, VALIDATOR);
        forwarder.forward(address(rollup), abi.encodeCall(Rollup.revertBlocks, (blocks)));
        assertEq(rollup.totalBlocksCommitted(), 0, "reverted through the forwarder");
    }
}
