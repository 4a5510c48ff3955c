using Concurrency.Strategies.Processes;

// The default worker host: started by the process strategy as
//   dotnet exec --runtimeconfig <app>.runtimeconfig.json --depsfile <app>.deps.json Concurrency.Strategies.WorkerHost.dll
//     --in <pipe handle> --out <pipe handle> --max-frame <bytes>
// so it loads the app's own assemblies. The pipes carry the protocol; stdout and stderr stay free for the work.
return await ProcessWorker.RunAsync(args);
