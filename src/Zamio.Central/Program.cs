using Zamio.Central.Cli;

if (CommandLine.Handles(args))
{
    return CommandLine.Run(args);
}

Console.Error.WriteLine("serve is not available yet; use catalog, scan or identify (see 'help')");
return 2;
