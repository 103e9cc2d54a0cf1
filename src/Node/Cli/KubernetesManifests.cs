using System.Text;
using k8s;
using k8s.Models;
using ShanghaiChain.Node.Config;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// `testnet --k8s DIR`: the Kubernetes manifests of an N-validator network (docs/deploy.md), built from the typed models
/// of the KubernetesClient package: a namespace; the genesis and every node's node.toml as a ConfigMap; every node's keys
/// as a Secret; a headless Service giving each pod a stable DNS name for its peers and a Service for the API; and a
/// StatefulSet whose ordinal picks the node's identity (an init container copies node-ORDINAL's config and keys into
/// the pod's home), with gRPC liveness and HTTP readiness probes, resource requests and a volume per pod for data/.
/// The keys are made here and leave this machine only inside the Secret's manifest (written 0600).
/// </summary>
internal static class KubernetesManifests
{
    public const int ApiPort = 26657;
    public const int P2pPort = 26656;
    public const int MetricsPort = 26660;
    private const string App = "shanghaichain";
    private const string HomeDir = "/home/shanghaichain";

    public sealed record Options(string Namespace, string Image, string Storage, string CpuRequest, string MemoryRequest, string MemoryLimit);

    /// <summary>Writes shanghaichain.yaml (every object, in apply order) and operator_key.json into <paramref name="directory"/>.</summary>
    public static string Write(string directory, int validators, string chainId, Core.Crypto.CryptoSuite suite, Options options)
    {
        var root = Path.GetFullPath(directory);
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            throw new CliException($"{root} exists and is not empty; choose another --k8s directory or remove it");
        }
        var staging = Directory.CreateTempSubdirectory("shc-k8s-").FullName;
        try
        {
            // The same network `testnet` makes (keys, one genesis, the consortium), then moved into Kubernetes objects.
            var homes = NetworkCommands.Create(Path.Combine(staging, "net"), validators, 0, chainId, suite, basePort: 20000);
            Directory.CreateDirectory(root);
            var objects = Build(homes, options);
            var yaml = string.Join("---\n", objects.Select(o => KubernetesYaml.Serialize(o).TrimEnd('\n') + "\n"));
            var manifest = Path.Combine(root, "shanghaichain.yaml");
            File.WriteAllText(manifest, yaml);
            File.Copy(Path.Combine(staging, "net", "operator_key.json"), Path.Combine(root, "operator_key.json"));
            if (!OperatingSystem.IsWindows())
            {
                // The Secret's keys are in this file.
                File.SetUnixFileMode(manifest, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.SetUnixFileMode(Path.Combine(root, "operator_key.json"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            return manifest;
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>The objects for the homes of a network (their genesis, configs and keys).</summary>
    public static List<IKubernetesObject> Build(IReadOnlyList<NodeHome> homes, Options options)
    {
        var ns = options.Namespace;
        var count = homes.Count;
        var genesis = File.ReadAllText(homes[0].GenesisFile);
        var labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = App };
        V1ObjectMeta Meta(string name) => new() { Name = name, NamespaceProperty = ns, Labels = labels };

        var configs = new Dictionary<string, string> { ["genesis.json"] = genesis };
        var keys = new Dictionary<string, byte[]>();
        for (var i = 0; i < count; i++)
        {
            var local = NodeConfig.Load(homes[i].ConfigFile);
            var peers = string.Join(",", Enumerable.Range(0, count).Where(j => j != i).Select(j => $"https://{PodHost(j, ns)}:{P2pPort}"));
            var config = local with
            {
                ApiListen = $"0.0.0.0:{ApiPort}",
                P2pListen = $"0.0.0.0:{P2pPort}",
                MetricsListen = $"0.0.0.0:{MetricsPort}",
                P2pPeers = peers,
            };
            configs[$"node-{i}.toml"] = config.ToToml();
            keys[$"node-{i}-node_key.json"] = File.ReadAllBytes(homes[i].NodeKeyFile);
            if (File.Exists(homes[i].ValidatorKeyFile))
            {
                keys[$"node-{i}-validator_key.json"] = File.ReadAllBytes(homes[i].ValidatorKeyFile);
                // A validator of a new chain starts from a record that it signed nothing (no recovery quarantine).
                keys[$"node-{i}-safety_record.pb"] = File.ReadAllBytes(homes[i].SafetyRecordFile);
            }
        }

        return
        [
            new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = ns, Labels = labels } },
            new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = Meta($"{App}-config"), Data = configs },
            new V1Secret { ApiVersion = "v1", Kind = "Secret", Metadata = Meta($"{App}-keys"), Type = "Opaque", Data = keys },
            new V1Service
            {
                ApiVersion = "v1", Kind = "Service", Metadata = Meta($"{App}-peers"),
                Spec = new V1ServiceSpec
                {
                    // Headless: each pod gets <pod>.<service> for its peers, ready or not (peers must find a starting node).
                    ClusterIP = "None", PublishNotReadyAddresses = true, Selector = labels,
                    Ports = [Port("p2p", P2pPort), Port("api", ApiPort), Port("metrics", MetricsPort)],
                },
            },
            new V1Service
            {
                ApiVersion = "v1", Kind = "Service", Metadata = Meta($"{App}-api"),
                Spec = new V1ServiceSpec { Selector = labels, Ports = [Port("api", ApiPort), Port("metrics", MetricsPort)] },
            },
            StatefulSet(count, options, Meta(App), labels),
        ];
    }

    /// <summary>The stable DNS name of pod <paramref name="ordinal"/> through the headless service.</summary>
    public static string PodHost(int ordinal, string ns) => $"{App}-{ordinal}.{App}-peers.{ns}.svc.cluster.local";

    private static V1ServicePort Port(string name, int port) => new() { Name = name, Port = port, TargetPort = port };

    private static V1StatefulSet StatefulSet(int count, Options options, V1ObjectMeta meta, Dictionary<string, string> labels)
    {
        // The init container copies the files of node-<ordinal> (the pod name's suffix) into the home at every start
        // (config and keys follow the manifests); data/, the safety record included, stays on the pod's volume.
        const string copy = """
            set -eu
            n="${HOSTNAME##*-}"
            mkdir -p /home/shanghaichain/config /home/shanghaichain/data
            cp /config/genesis.json /home/shanghaichain/config/genesis.json
            cp "/config/node-$n.toml" /home/shanghaichain/config/node.toml
            cp "/keys/node-$n-node_key.json" /home/shanghaichain/config/node_key.json
            if [ -f "/keys/node-$n-validator_key.json" ]; then cp "/keys/node-$n-validator_key.json" /home/shanghaichain/config/validator_key.json; fi
            # Only on the first start: afterwards the record on the volume is the one that counts.
            if [ -f "/keys/node-$n-safety_record.pb" ] && [ ! -f /home/shanghaichain/data/safety_record.pb ]; then cp "/keys/node-$n-safety_record.pb" /home/shanghaichain/data/safety_record.pb; fi
            chmod 600 /home/shanghaichain/config/*_key.json
            """;
        var home = new V1VolumeMount { Name = "home", MountPath = HomeDir };
        return new V1StatefulSet
        {
            ApiVersion = "apps/v1", Kind = "StatefulSet", Metadata = meta,
            Spec = new V1StatefulSetSpec
            {
                Replicas = count,
                ServiceName = $"{App}-peers",
                // Validators must all be up for the chain to start: no one waits for another to be ready.
                PodManagementPolicy = "Parallel",
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        // The node stops cleanly on SIGTERM (store closed, safety record saved): give it time.
                        TerminationGracePeriodSeconds = 60,
                        InitContainers =
                        [
                            new V1Container
                            {
                                Name = "identity", Image = options.Image, Command = ["/bin/sh", "-c", copy],
                                VolumeMounts =
                                [
                                    home,
                                    new V1VolumeMount { Name = "config", MountPath = "/config", ReadOnlyProperty = true },
                                    new V1VolumeMount { Name = "keys", MountPath = "/keys", ReadOnlyProperty = true },
                                ],
                            },
                        ],
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "node", Image = options.Image,
                                Args = ["start", "--home", HomeDir],
                                Ports =
                                [
                                    new V1ContainerPort { Name = "api", ContainerPort = ApiPort },
                                    new V1ContainerPort { Name = "p2p", ContainerPort = P2pPort },
                                    new V1ContainerPort { Name = "metrics", ContainerPort = MetricsPort },
                                ],
                                VolumeMounts = [home],
                                // Alive while the gRPC health service answers SERVING; ready when /ready says the node
                                // is caught up and committing (syncing is alive but not ready).
                                LivenessProbe = new V1Probe
                                {
                                    Grpc = new V1GRPCAction { Port = ApiPort }, InitialDelaySeconds = 20, PeriodSeconds = 10, FailureThreshold = 6,
                                },
                                ReadinessProbe = new V1Probe
                                {
                                    HttpGet = new V1HTTPGetAction { Path = "/ready", Port = MetricsPort }, InitialDelaySeconds = 5, PeriodSeconds = 5,
                                },
                                Resources = new V1ResourceRequirements
                                {
                                    Requests = new Dictionary<string, ResourceQuantity>
                                    {
                                        ["cpu"] = new(options.CpuRequest), ["memory"] = new(options.MemoryRequest),
                                    },
                                    Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new(options.MemoryLimit) },
                                },
                            },
                        ],
                        Volumes =
                        [
                            new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = $"{App}-config" } },
                            new V1Volume { Name = "keys", Secret = new V1SecretVolumeSource { SecretName = $"{App}-keys", DefaultMode = 256 } },
                        ],
                    },
                },
                VolumeClaimTemplates =
                [
                    new V1PersistentVolumeClaim
                    {
                        Metadata = new V1ObjectMeta { Name = "home", Labels = labels },
                        Spec = new V1PersistentVolumeClaimSpec
                        {
                            AccessModes = ["ReadWriteOnce"],
                            Resources = new V1VolumeResourceRequirements
                            {
                                Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(options.Storage) },
                            },
                        },
                    },
                ],
            },
        };
    }

    /// <summary>For the CLI's summary: the objects of a manifest file, as kind/name.</summary>
    public static IEnumerable<string> Describe(string manifest)
    {
        var text = File.ReadAllText(manifest, Encoding.UTF8);
        return KubernetesYaml.LoadAllFromString(text).Select(o => o is IKubernetesObject<V1ObjectMeta> k ? $"{k.Kind}/{k.Metadata.Name}" : o.GetType().Name);
    }
}
