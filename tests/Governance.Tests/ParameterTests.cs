using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.V1;

namespace ShanghaiChain.Governance.Tests;

/// <summary>
/// Chain parameters changed by the committee: a decision schedules an epoch with the same validators and the new
/// values, which govern every block after the current epoch's last one (block limits in validity and building, the
/// per-transaction limits at admission, GASLIMIT in execution), and never a block before it.
/// </summary>
public sealed class ParameterTests
{
    [Fact]
    public void A_parameter_vote_schedules_an_epoch_with_the_same_validators_whose_blocks_use_the_new_value()
    {
        using var chain = new GovernanceChain(epochLength: 10);
        var genesisLimit = chain.Genesis.Parameters.BlockGasLimit;
        var id = GovernanceChain.IdOf(chain.Governance(chain.City, GovernanceCalls.SetParameter("block_gas_limit", new UInt256(50_000_000))));
        var decided = chain.Governance(chain.Port, GovernanceCalls.Vote(id, approve: true));
        Assert.Equal(ProposalStatus.Executed, chain.Proposal(id)!.Status);
        Assert.Contains(decided.Logs, l => new Hash32(l.Topics[0].Span) == GovernanceContract.ValidatorSetChangeScheduledTopic);

        var pending = chain.Registry.PendingValidators;
        Assert.NotNull(pending);
        Assert.Equal((chain.Height / 10 + 2) * 10 - 1, pending.LastHeightOfEpoch);
        Assert.Equal(chain.Registry.Validators, pending.Validators);
        // Not in force yet: the record's current parameters are unchanged, the scheduled epoch carries the new value.
        Assert.Empty(chain.Registry.Parameters);
        Assert.Equal(genesisLimit, chain.Schedule.ParametersAt(pending.LastHeightOfEpoch).BlockGasLimit);
        Assert.Equal(50_000_000UL, chain.Schedule.ParametersAt(pending.LastHeightOfEpoch + 1).BlockGasLimit);
        Assert.Equal(chain.Schedule.Current.Epoch + 1, chain.Schedule.At(pending.LastHeightOfEpoch + 1)!.Epoch);

        // GASLIMIT follows: the last block of the old epoch sees genesis' limit, the first of the new one the committee's.
        chain.AdvanceTo(pending.LastHeightOfEpoch - 1);
        Assert.Equal(genesisLimit, GasLimitSeenByABlock(chain));
        Assert.Equal(50_000_000UL, GasLimitSeenByABlock(chain));
        Assert.Equal(50_000_000UL, chain.Schedule.Current.Parameters.BlockGasLimit);
    }

    [Fact]
    public void A_second_change_waits_for_the_scheduled_epoch_and_values_that_contradict_each_other_are_refused()
    {
        using var chain = new GovernanceChain(epochLength: 10);
        // max_block_bytes below max_tx_bytes (128 KiB by default) could never hold a full-size transaction.
        var contradiction = chain.Governance(chain.City, GovernanceCalls.SetParameter("max_block_bytes", new UInt256(1_000)));
        Assert.Equal(ExecutionError.Reverted, contradiction.Error);
        Assert.Contains("max_block_bytes must be at least max_tx_bytes", contradiction.ErrorMessage, StringComparison.Ordinal);
        var ceiling = chain.Governance(chain.City, GovernanceCalls.SetParameter("max_block_bytes", new UInt256(64UL << 20)));
        Assert.Contains("at most 32 MiB", ceiling.ErrorMessage, StringComparison.Ordinal);

        var id = GovernanceChain.IdOf(chain.Governance(chain.City, GovernanceCalls.SetParameter("max_tx_bytes", new UInt256(1_000))));
        chain.Governance(chain.Port, GovernanceCalls.Vote(id, approve: true));
        var last = chain.Registry.PendingValidators.LastHeightOfEpoch;
        var early = chain.Governance(chain.City, GovernanceCalls.SetParameter("max_block_txs", new UInt256(100)));
        Assert.Contains($"already scheduled for the end of the epoch at height {last}", early.ErrorMessage, StringComparison.Ordinal);
        var validatorChange = chain.Governance(chain.City, GovernanceCalls.RemoveValidator(chain.Validators[0].PublicKey, force: false));
        Assert.Contains("already scheduled", validatorChange.ErrorMessage, StringComparison.Ordinal);

        // Once the epoch began, the next change builds on the values in force and both hold from its epoch on.
        chain.AdvanceTo(last);
        var next = GovernanceChain.IdOf(chain.Governance(chain.City, GovernanceCalls.SetParameter("max_block_txs", new UInt256(100))));
        chain.Governance(chain.Bank, GovernanceCalls.Vote(next, approve: true));
        Assert.Equal(["max_tx_bytes"], chain.Registry.Parameters.Select(p => p.Name));
        var after = chain.Schedule.ParametersAt(chain.Registry.PendingValidators.LastHeightOfEpoch + 1);
        Assert.Equal((1_000, 100), (after.MaxTxBytes, after.MaxBlockTxs));
    }

    [Fact]
    public void Admission_and_block_building_apply_the_per_transaction_limits_of_the_epoch_in_force()
    {
        using var chain = new GovernanceChain(epochLength: 10);
        var pool = new TransactionPool(chain.Transactions, chain.Genesis.Parameters, chain.Store, chain.Store, chain.Store.ContainsTransactions, 1_000, 1 << 20)
        {
            Permissions = chain.Permissions,
            ParametersInForce = () => chain.Schedule.Current.Parameters,
        };
        var id = GovernanceChain.IdOf(chain.Governance(chain.City, GovernanceCalls.SetParameter("max_tx_bytes", new UInt256(300))));
        chain.Governance(chain.Port, GovernanceCalls.Vote(id, approve: true));
        var big = chain.Sign(chain.Bank, chain.Outsider.Address, new byte[400]);
        Assert.True(big.Size > 300);

        // Admitted under the genesis limit, in force until the scheduled epoch begins.
        Assert.Equal(TxRejectReason.None, pool.Admit([big.Encoded])[0].Reason);
        var firstOfNewEpoch = chain.Registry.PendingValidators.LastHeightOfEpoch + 1;
        var limits = chain.Schedule.ParametersAt(firstOfNewEpoch);
        // A block of the new epoch leaves it out (it waits for its expiry) instead of stopping at it.
        Assert.Empty(pool.ReapForBlock(new BlockLimits(limits.MaxBlockTxs, limits.MaxBlockBytes, limits.BlockGasLimit, limits.MaxTxBytes), firstOfNewEpoch));

        chain.AdvanceTo(firstOfNewEpoch - 1);
        var refused = pool.Admit([chain.Sign(chain.Port, chain.Outsider.Address, new byte[400]).Encoded])[0];
        Assert.Equal(TxRejectReason.Oversized, refused.Reason);
        Assert.Contains("limit is 300", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Commits a block whose one transaction deploys code storing GASLIMIT, and returns what it stored.</summary>
    private static ulong GasLimitSeenByABlock(GovernanceChain chain)
    {
        // GASLIMIT PUSH1 0 SSTORE STOP
        var nonce = chain.Store.GetAccount(chain.City.Address).Nonce;
        var receipt = chain.Send(chain.City, null, [0x45, 0x60, 0x00, 0x55, 0x00]);
        Assert.True(receipt.Status == ReceiptStatus.Success, receipt.ErrorMessage);
        return chain.Store.GetStorage(ContractAddress.FromNonce(chain.City.Address, nonce), UInt256.Zero).U0;
    }
}
