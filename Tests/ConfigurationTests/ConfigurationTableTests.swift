import Foundation
import RecstreamConfiguration
import Testing

/// A configuration of every kind of key the table supports.
private struct Sample: Equatable, Sendable {
    enum Mode: String, CaseIterable, Sendable { case fast, careful, off }

    var name = "plain"
    var count = 3
    var ratio: Float = 0.5
    var big: Double = 1e6
    var seed: UInt64 = 7
    var enabled = false
    var mode = Mode.fast
    var extras: [String: String] = [:]
    var inner = Inner()

    struct Inner: Equatable, Sendable {
        var depth = 2
    }

    static let innerTable = ConfigurationTable<Inner>(keys: [.init("depth", \.depth, .between(1...9), "How deep.")])

    static let table: ConfigurationTable<Sample> = {
        var table = ConfigurationTable<Sample>(
            keys: [
                .init("main.name", \.name, .nonEmpty, "A name with \"quotes\" \\ and a tab\tinside."),
                .init("main.count", \.count, .atLeast(1), "How many."),
                .init("main.ratio", \.ratio, .between(0...1), "A share."),
                .init("main.big", \.big, .greaterThan(0), "A large number."),
                .init("main.seed", \.seed, "A seed."),
                .init("flags.enabled", \.enabled, "On or off."),
                .init("flags.mode", choice: \.mode, "How."),
            ],
            families: [ConfigurationFamily("main.extras", \.extras, "Anything else.", examples: [("a.b", "c")])],
            crossChecks: [
                { $0.count > 100 && $0.enabled ? ConfigurationProblem(key: "main.count", reason: "too many while enabled") : nil }
            ],
            environmentPrefix: "SAMPLE__", environmentAliases: ["SAMPLE_NAME": "main.name"])
        table.include(innerTable, under: "inner", \.inner)
        return table
    }()
}

@Suite("Configuration tables")
struct ConfigurationTableTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("table-\(UUID().uuidString).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func problems(file: String? = nil, environment: [String: String] = [:], overrides: [String] = []) -> [String] {
        do {
            _ = try Sample.table.load(Sample(), file: file, environment: environment, overrides: overrides)
            Issue.record("must be refused")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func theExampleFileReadsBackAsTheValuesItWasWrittenFrom() throws {
        var values = Sample()
        values.name = "tab\there \"and\" back\\slash é"
        values.count = 42
        values.ratio = 0.25
        values.seed = 123
        values.enabled = true
        values.mode = .careful
        values.inner.depth = 5
        let text = Sample.table.exampleFile(
            values, header: "A header long enough to be wrapped over more than one line of the file, which happens at eighty columns.")
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 || !$0.hasPrefix("#") })
        #expect(text.contains("[main]\n# A name") && text.contains("[flags]") && text.contains("[inner]\n# How deep.\ndepth = 5"))
        #expect(text.contains("# How. (one of \"fast\", \"careful\", \"off\")"))
        #expect(text.contains("# [main.extras]\n# Anything else.\n# \"a.b\" = \"c\""))
        let loaded = try Sample.table.load(Sample(), file: try write(text))
        #expect(loaded == values)
    }

    @Test func sourcesApplyInOrderAndTextIsReadAsTheKeysType() throws {
        let file = try write(
            """
            [main]
            name = 'file'
            count = 10
            ratio = 1       # an integer is a number
            extras."x.y" = "z"
            [inner]
            depth = 3
            """)
        let loaded = try Sample.table.load(
            Sample(), file: file,
            environment: ["SAMPLE_NAME": "alias", "SAMPLE__MAIN__COUNT": "11", "SAMPLE__MAIN__EXTRAS__P__Q": "r", "OTHER": "ignored"],
            overrides: ["main.count=12", "flags.mode=off", "flags.enabled=true", "main.seed=18446744073709551615"])
        #expect(loaded.name == "alias")
        #expect(loaded.count == 12 && loaded.ratio == 1 && loaded.mode == .off && loaded.enabled && loaded.seed == .max)
        #expect(loaded.extras == ["x.y": "z", "p.q": "r"])
        #expect(loaded.inner.depth == 3)
    }

    @Test func eachProblemSaysTheKeyTheReasonAndWhereItCameFrom() throws {
        let file = try write(
            """
            [main]
            count = "many"
            ratio = 2.0
            big = inf
            seed = -1
            [flags]
            mode = 3
            enabled = "yes"
            unknown = 1
            [inner]
            depth = 0
            """)
        let found = problems(file: file, environment: ["SAMPLE__MAIN__RATIO": "half"], overrides: ["main.count", "flags.mode=slow"])
        #expect(
            found == [
                "main.count: expected an integer, got \"many\" (\(file):2)",
                "main.seed: expected an integer >= 0, got an integer (\(file):5)",
                "flags.mode: expected one of \"fast\", \"careful\", \"off\", got an integer (\(file):7)",
                "flags.enabled: expected true or false, got \"yes\" (\(file):8)",
                "flags.unknown: unknown key (\(file):9)",
                "main.ratio: expected a number, got \"half\" (environment SAMPLE__MAIN__RATIO)",
                "main.count: expected key=value",
                "flags.mode: expected one of \"fast\", \"careful\", \"off\", got \"slow\" (--set)",
                "main.ratio: must be between 0.0 and 1.0, got 2.0",
                "main.big: must be a finite number > 0.0, got inf",
                "inner.depth: must be between 1 and 9, got 0",
            ])
        #expect(
            problems(overrides: ["main.name=", "main.count=101", "flags.enabled=true"]) == [
                "main.name: must not be empty", "main.count: too many while enabled",
            ])
    }

    @Test func tomlThatIsNotSupportedIsRefusedWithItsLine() throws {
        #expect(problems(file: try write("[main]\ncount = 1\nwhen = 2024-05-01\n")).first?.contains("line 3") == true)
        #expect(problems(file: try write("[main]\ninner = { depth = 1 }\n")).first?.contains("inline tables are not supported") == true)
        #expect(problems(file: try write("[main]\ncount = 1\ncount = 2\n")).first?.contains("main.count is set twice") == true)
        #expect(problems(file: try write("[[main]]\n")).first?.contains("arrays of tables") == true)
    }

    @Test func valuesAreTheKeysAsText() {
        let values = Dictionary(uniqueKeysWithValues: Sample.table.values(Sample()).map { ($0.key, $0.value) })
        #expect(
            values["main.ratio"] == "0.5" && values["flags.mode"] == "fast" && values["inner.depth"] == "2"
                && values["main.name"] == "plain")
        #expect(values.count == Sample.table.keys.count)
    }
}
