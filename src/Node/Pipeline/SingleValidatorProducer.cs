using Google.Protobuf;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Node.Hosting;
using ShanghaiChain.Node.Mempool;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Pipeline;

/// <summary>
/// Block production for a chain with one validator (n = 1, where a quorum is that validator's own vote).
/// Proposes as soon as transactions wait, else an empty block at the configured interval; each block is
/// certified by the validator's signature over the vote sign bytes and handed to the committer.
/// The BFT engine takes this service's place on a multi-validator chain; the builder and committer stay.
/// </summary>
public sealed class SingleValidatorProducer(
    BlockBuilder builder,
    BlockCommitter committer,
    TransactionPool pool,
    KeyFile validatorKey,
    GenesisFile genesis,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<SingleValidatorProducer> logger) : BackgroundService
{
    private readonly ChainParameters _parameters = genesis.Parameters;
    private readonly byte[] _chainId = ConsensusSignBytes.EncodeChainId(genesis.ChainId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await lifetime.WaitForStartedAsync(stoppingToken).ConfigureAwait(false);
        logger.LogInformation("producing blocks as the single validator {Address} from height {Height}",
            validatorKey.Address, committer.Tip.Height + 1);
        var interval = TimeSpan.FromMilliseconds(_parameters.EmptyBlockIntervalMs);
        // Measured on the monotonic clock: a wall-clock step must neither stall nor rush empty blocks.
        long? lastBlockAt = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var nextEmptyBlock = lastBlockAt is { } at ? interval - time.GetElapsedTime(at) : TimeSpan.Zero;
            if (pool.ReadyCount == 0 && nextEmptyBlock > TimeSpan.Zero)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(nextEmptyBlock);
                try
                {
                    await pool.WaitForTransactionsAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // The empty-block interval elapsed.
                }
            }
            if (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            ProduceOne();
            lastBlockAt = time.GetTimestamp();
        }
    }

    private void ProduceOne()
    {
        var tip = committer.Tip;
        var transactions = pool.ReapForBlock(_parameters.MaxBlockTxs, _parameters.MaxBlockBytes, _parameters.BlockGasLimit, tip.Height + 1);
        try
        {
            var block = builder.Build(tip, transactions, round: tip.Height + 1, (ulong)time.GetUtcNow().ToUnixTimeMilliseconds());
            Span<byte> signBytes = stackalloc byte[ConsensusSignBytes.MaxLength];
            var length = ConsensusSignBytes.Vote(_chainId, 0, block.Header.Round, block.Height, block.Hash, signBytes);
            var certificate = new QuorumCertificate
            {
                Epoch = 0,
                Round = block.Header.Round,
                Height = block.Height,
                BlockHash = ByteString.CopyFrom(block.Hash.ToArray()),
                Signatures = { new ValidatorSignature { ValidatorIndex = 0, Signature = ByteString.CopyFrom(validatorKey.Sign(SigningDomain.Vote, signBytes[..length])) } },
            };
            committer.Commit(block, transactions, certificate);
        }
        catch
        {
            pool.ReleaseInFlight();
            throw;
        }
    }
}
