/**
 * The command line: the picocli commands (reason, bench, distill, check, info, throughput), their options, output
 * and exit codes. It may use every other package, and it is the only one that uses picocli.
 */
package dev.reason.cli;
