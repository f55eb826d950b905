using Zamio.Agent.Configuration;
using Zamio.Agent.Devices;
using Zamio.Agent.Hosting;

if (args is [CommandLine.DevicesVerb])
{
    return OperatingSystem.IsWindows()
        ? WasapiDevices.Print(Console.Out, Console.Error)
        : AlsaDevices.Print(Console.Out, Console.Error);
}

return await AgentHost.RunAsync(args, Console.Error);
