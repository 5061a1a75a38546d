public import ArgumentParser
import RecstreamEvaluation

/// `--format movielens-csv | movielens-100k | jsonl`, checked by the parser.
extension InteractionLogFormat: ExpressibleByArgument {}
