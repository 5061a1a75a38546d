import RecstreamModel
import RecstreamStore
import TestSupport
import Testing

@Suite("PostgreSQL binary COPY against a real server")
struct PostgresCopyRoundTripTests {
    /// 10,000 64-dim vectors into a `real[]` column with COPY binary and back:
    /// every bit identical, including -0, subnormals and extreme magnitudes.
    @Test(.enabled(if: TestServices.postgresRequested))
    func realArraysRoundTripBitIdentically() throws {
        let connection = try PostgresConnection(conninfo: try TestServices.databaseURL())
        let table = TestServices.uniqueName("it_vectors")
        try connection.execute("create temporary table \(table) (id int8 primary key, v real[] not null)")

        var generator = SplitMix64(seed: 42)
        let specials: [Float] = [-0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, -.ulpOfOne]
        let vectors: [[Float]] = (0..<10_000).map { row in
            (0..<64).map { column in
                row % 100 == 0 && column < specials.count
                    ? specials[column] : Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()) & 0xBFFF_FFFF)
            }
        }
        var writer = BinaryCopyWriter()
        for (id, vector) in vectors.enumerated() {
            writer.beginRow(fieldCount: 2)
            writer.append(Int64(id))
            writer.append(realArray: vector)
        }
        let copied = try connection.copyIn("copy \(table) (id, v) from stdin (format binary)", data: writer.finish())
        #expect(copied == vectors.count)

        // The server sees 64 finite elements in every row.
        let shape = try connection.execute(
            "select count(*), min(array_length(v, 1)), max(array_length(v, 1)) from \(table)")
        #expect(shape.text(row: 0, column: 0) == "10000")
        #expect(shape.text(row: 0, column: 1) == "64" && shape.text(row: 0, column: 2) == "64")

        var reader = try BinaryCopyReader(try connection.copyOut("copy (select id, v from \(table) order by id) to stdout (format binary)"))
        var rows = 0
        while let fields = try reader.nextRow() {
            #expect(fields == 2)
            let id = try #require(try reader.readInt64())
            let vector = try #require(try reader.readRealArray())
            #expect(vector.map(\.bitPattern) == vectors[Int(id)].map(\.bitPattern), "row \(id) bit-identical")
            rows += 1
        }
        #expect(rows == vectors.count)
    }

    @Test(.enabled(if: TestServices.postgresRequested))
    func serverErrorsCarrySQLState() throws {
        let connection = try PostgresConnection(conninfo: try TestServices.databaseURL())
        let error = #expect(throws: PostgresError.self) { try connection.execute("select 1 / $1::int", ["0"]) }
        #expect(error?.sqlState == "22012")  // division_by_zero
        #expect(connection.isHealthy)
    }
}
