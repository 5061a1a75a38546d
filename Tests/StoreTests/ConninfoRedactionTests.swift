import Testing

@testable import RecstreamStore

@Suite("Connection strings are logged without passwords")
struct ConninfoRedactionTests {
    @Test(arguments: [
        "postgresql://writer:s3cret-pw@db.example:5433/recs?sslmode=require",
        "host=db.example port=5433 user=writer password=s3cret-pw dbname=recs",
    ])
    func passwordIsRemovedAndTheRestKept(conninfo: String) {
        let redacted = ConninfoRedaction.redact(conninfo)
        #expect(!redacted.contains("s3cret-pw"))
        #expect(redacted.contains("host=db.example") && redacted.contains("port=5433") && redacted.contains("user=writer"))
    }

    @Test func unparseableStringIsNotEchoed() {
        #expect(ConninfoRedaction.redact("host='unterminated password=s3cret-pw") == "<unparseable connection string>")
    }
}

@Suite("Connection strings for another database")
struct ConninfoDatabaseTests {
    @Test func theDatabaseIsReplacedAndEverythingElseKept() throws {
        let replaced = try #require(
            ConninfoDatabase.replacing(database: "other db", in: "postgresql://app:s3cr%27et@db.example:6432/main?sslmode=require"))
        #expect(replaced.hasPrefix("dbname='other db' "))
        #expect(replaced.contains("user='app'") && replaced.contains("password='s3cr\\'et'"))
        #expect(replaced.contains("host='db.example'") && replaced.contains("port='6432'") && replaced.contains("sslmode='require'"))
        #expect(!replaced.contains("main"))
        #expect(ConninfoDatabase.replacing(database: "x", in: "postgresql://[broken") == nil)
    }
}
