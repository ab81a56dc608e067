// Placeholder until the end-to-end demo lands: proves the workspace builds and runs.
console.log("crashsafe demo: the end-to-end signal-pipeline demo is not built yet");
