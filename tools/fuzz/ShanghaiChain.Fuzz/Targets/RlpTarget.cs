using ShanghaiChain.Core.Rlp;

namespace ShanghaiChain.Fuzz.Targets;

/// <summary>
/// RLP: RlpCodec.Validate (refusal is an RlpError), a full walk with RlpReader's Try methods that must agree with it, the
/// throwing readers (refusal is RlpException). Trie nodes from outside arrive only inside proofs: the trie-proof target.
/// </summary>
internal sealed class RlpTarget : FuzzTarget
{
    public override string Name => "rlp";

    public override string Description => "bytes -> RlpCodec.Validate, RlpReader walk (Try and throwing readers)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var error = RlpCodec.Validate(input);
        if (error == RlpError.None && !Walk(input))
        {
            throw new FuzzInvariantException("RlpCodec.Validate accepts what the reader refuses");
        }
        try
        {
            var strict = new RlpReader(input);
            if (strict.NextIsList)
            {
                var list = strict.ReadList();
                while (list.HasMore)
                {
                    list.ReadItem();
                }
            }
            else
            {
                strict.ReadUInt256();
            }
            strict.ReadEnd();
        }
        catch (RlpException)
        {
        }
    }

    /// <summary>Reads every item of one top-level item and requires nothing after it.</summary>
    private static bool Walk(ReadOnlySpan<byte> input)
    {
        var reader = new RlpReader(input);
        return Walk(ref reader, 0) && reader.TryReadEnd();
    }

    private static bool Walk(ref RlpReader reader, int depth)
    {
        if (depth > RlpCodec.MaxDepth)
        {
            return false;
        }
        if (!reader.NextIsList)
        {
            return reader.TryReadString(out _);
        }
        if (!reader.TryReadList(out var items))
        {
            return false;
        }
        while (items.HasMore)
        {
            if (!Walk(ref items, depth + 1))
            {
                return false;
            }
        }
        return true;
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        yield return ("empty-string", [0x80]);
        yield return ("empty-list", [0xc0]);
        yield return ("single-byte", [0x7f]);
        yield return ("uint64", RlpCodec.EncodeUInt64(0x0102030405060708));
        yield return ("list-of-strings", RlpCodec.EncodeList([1, 2, 3], new byte[60], []));
        yield return ("long-string", RlpCodec.EncodeString(new byte[300]));
        yield return ("nested-lists", [0xc4, 0xc3, 0xc2, 0xc1, 0xc0]);
        yield return ("non-canonical-single-byte", [0x81, 0x05]);
        yield return ("non-canonical-length", [0xb8, 0x01, 0xaa]);
        yield return ("truncated", [0xb8, 0x40, 0x01]);
        foreach (var (name, node) in TrieProofTarget.SampleNodes())
        {
            yield return ("trie-" + name, node);
        }
    }
}
