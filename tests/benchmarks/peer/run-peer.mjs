#!/usr/bin/env node
// Runs an ASL definition with the peer interpreter (npm aws-local-stepfunctions)
// and prints the execution's output as JSON on stdout.
//
// usage: node run-peer.mjs --modules DIR DEFINITION.json INPUT.json
//   DIR is the directory holding node_modules/aws-local-stepfunctions (the
//   private install made by run_asl_benchmarks.sh; also taken from
//   $HPCFLOW_BENCH_PEER_DIR). Exit 0 on success, 1 if the execution failed.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
let modulesDir = process.env.HPCFLOW_BENCH_PEER_DIR;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--modules') modulesDir = args[++i];
  else files.push(args[i]);
}
if (!modulesDir || files.length !== 2) {
  console.error('usage: node run-peer.mjs --modules DIR DEFINITION.json INPUT.json');
  process.exit(2);
}

const require = createRequire(path.join(path.resolve(modulesDir), 'package.json'));
const { StateMachine } = require('aws-local-stepfunctions');

const definition = JSON.parse(readFileSync(files[0], 'utf8'));
const input = JSON.parse(readFileSync(files[1], 'utf8'));

try {
  // Full validation (asl-validator, paths and ARNs), as a user of the package
  // runs it; it is part of the measured time, as hpcflow's own checks are.
  const sm = new StateMachine(definition, { validationOptions: {} });
  const execution = sm.run(input);
  const output = await execution.result;
  process.stdout.write(JSON.stringify(output));
  process.stdout.write('\n');
} catch (err) {
  console.error(`peer execution failed: ${err && err.name}: ${err && err.message}`);
  process.exit(1);
}
