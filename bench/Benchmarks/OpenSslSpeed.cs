using System.Diagnostics;

namespace ShanghaiChain.Benchmarks;

/// <summary>Runs `openssl speed` for the bound of a comparison; null when openssl is not installed.</summary>
internal static class OpenSslSpeed
{
    public static string? Run(params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo("openssl", ["speed", .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine("openssl is not installed: no bound to compare with");
            return null;
        }
    }
}
