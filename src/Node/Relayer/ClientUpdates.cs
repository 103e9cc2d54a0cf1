using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Relayer;

/// <summary>
/// The light-client updates that carry a destination's client of the source from the epoch it trusts to a header the
/// source committed, across every validator-set change in between (docs/relay.md, "Epoch ends"): for each epoch the
/// client still has to leave, the header of its last block (proven by the suffix blocks the source keeps with it,
/// <c>GetCommitProof(epoch_end)</c>), then the header itself. A header of a later epoch carries the set the previous
/// epoch's last header announced, which the source sends with that header. The client already trusting a last header
/// (an earlier round, or another relayer, sent it) skips it. No committee recovery is needed for a change.
/// </summary>
public static class ClientUpdates
{
    /// <summary>Bounds the epochs one round crosses (each is one more update in the batch); the next round goes on.</summary>
    public const int MaxEpochsPerRound = 8;

    public static async Task<List<LightClientUpdate>> ToAsync(RelayService.RelayServiceClient source, LightClientState client,
        GetCommitProofResponse target, CancellationToken cancel)
    {
        var updates = new List<LightClientUpdate>();
        RelayValidatorSet? handedOver = null;
        for (var epoch = client.Epoch; epoch < target.Epoch; epoch++)
        {
            if (epoch - client.Epoch >= MaxEpochsPerRound)
            {
                return updates;
            }
            var end = await source.GetCommitProofAsync(new GetCommitProofRequest { EpochEnd = epoch }, cancellationToken: cancel).ConfigureAwait(false);
            if (end.Epoch != epoch || end.NextValidators is null)
            {
                throw new InvalidOperationException($"the source answered the end of epoch {epoch} with a header of epoch {end.Epoch} and no next set");
            }
            if (end.Height > client.LatestHeight)
            {
                updates.Add(Update(end, epoch > client.Epoch ? handedOver : null));
            }
            handedOver = end.NextValidators;
        }
        updates.Add(Update(target, target.Epoch > client.Epoch ? handedOver ?? target.Validators : null));
        return updates;
    }

    private static LightClientUpdate Update(GetCommitProofResponse proof, RelayValidatorSet? nextValidators)
    {
        var update = new LightClientUpdate { Header = proof.Certified };
        if (nextValidators is not null)
        {
            update.NextValidators = nextValidators;
        }
        return update;
    }
}
