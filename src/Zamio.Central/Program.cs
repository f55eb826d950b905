using Zamio.Central.Cli;
using Zamio.Central.Hosting;

if (CommandLine.Handles(args))
{
    return CommandLine.Run(args);
}

return await ServeHost.RunAsync(args);
