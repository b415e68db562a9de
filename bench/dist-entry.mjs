// `piman` as the installed package runs it: the compiled dist/ (bin/piman.js
// in a checkout runs src/ through tsx, which costs start-up time and memory
// a user never pays). bench/all.ts builds dist/ first when it is stale.
const { main } = await import(new URL('../dist/cli/main.js', import.meta.url).href);
process.exitCode = await main(process.argv);
