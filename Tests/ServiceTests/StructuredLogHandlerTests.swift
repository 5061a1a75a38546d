import Foundation
import Testing

@testable import RecstreamService

@Suite("Structured log lines")
struct StructuredLogHandlerTests {
    let fields = [
        ("ts", "2026-11-29T19:00:00Z"), ("level", "info"), ("msg", "model loaded"), ("tricky", "a=b \"c\"\\\nd\u{1}"), ("empty", ""),
    ]

    @Test func logfmtQuotesOnlyWhatNeedsIt() {
        let line = StructuredLogHandler.logfmt(fields)
        #expect(line == #"ts=2026-11-29T19:00:00Z level=info msg="model loaded" tricky="a=b \"c\"\\\nd\u0001" empty="""#)
        #expect(!line.contains("\n"), "one entry, one line")
    }

    @Test func jsonIsOneObjectWithEveryFieldVerbatim() throws {
        let line = StructuredLogHandler.json(fields)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object == Dictionary(uniqueKeysWithValues: fields))
    }
}
