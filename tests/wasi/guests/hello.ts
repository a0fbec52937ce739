// AssemblyScript in the sandbox (wasi-shim): arguments, environment, exit codes.
const args = process.argv;
console.log("hello from AssemblyScript");
for (let i = 1; i < args.length; i++) console.log("arg: " + args[i]);
const color = process.env.has("WAVS_ENV_COLOR") ? process.env.get("WAVS_ENV_COLOR") : "(unset)";
console.log("color=" + color);
let sum: u64 = 0;
for (let i: u64 = 0; i < 1000; i++) sum += i * i;
console.log("sum=" + sum.toString());
if (args.length > 1 && args[args.length - 1].startsWith("exit=")) process.exit(I32.parseInt(args[args.length - 1].substring(5)));
