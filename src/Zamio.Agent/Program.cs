using Zamio.Agent.Configuration;
using Zamio.Agent.Devices;
using Zamio.Agent.Hosting;

if (args is [CommandLine.DevicesVerb])
{
    return AlsaDevices.Print(Console.Out, Console.Error);
}

return await AgentHost.RunAsync(args, Console.Error);
