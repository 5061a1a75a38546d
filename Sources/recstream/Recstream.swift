import ArgumentParser

@main
struct Recstream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recstream",
        abstract: "Streaming recommender: Kafka events in, embeddings and top-k tables in PostgreSQL.",
        subcommands: [
            VersionCommand.self, ServeCommand.self, ConfigCommand.self, MigrateCommand.self, TrainCommand.self, TopKCommand.self,
            RecommendCommand.self, EvalCommand.self, GenerateCommand.self, ReplayCommand.self, BenchCommand.self,
        ]
    )
}
