/// The durable notes that stop a record which crashes the daemon from
/// crashing it forever (schema versions 9 and 13): per partition, how many
/// starts in a row began applying its records from the same stored offset,
/// and the records applied one at a time after that, each noted before it
/// is applied, with how many processes began applying it alone. Every write
/// is fenced by the writer epoch: a daemon that lost the lead notes nothing.
public struct CrashGuardRepository: Sendable {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Counts a start that begins applying records of the partitions in
    /// `offsets` from those stored offsets (-1: none stored) and returns the
    /// highest count of starts in a row from the same offset of one
    /// partition, this one included; nil when `epoch` is no longer the writer's.
    public func countStart(from offsets: [PartitionOffset], epoch: Int64) throws -> Int? {
        guard !offsets.isEmpty else { return 0 }
        let result = try connection.execute(
            """
            with counted as (
                insert into applying_starts (topic, partition, next_offset, starts)
                select topic, partition, next_offset, 1
                from unnest($1::text[], $2::integer[], $3::bigint[]) as given(topic, partition, next_offset)
                where exists (select 1 from leadership where epoch = $4)
                on conflict (topic, partition) do update set
                    starts = case when applying_starts.next_offset = excluded.next_offset then applying_starts.starts + 1 else 1 end,
                    next_offset = excluded.next_offset
                returning starts
            )
            select max(starts) from counted
            """,
            [
                Self.arrayLiteral(offsets.map { Self.quoted($0.topic) }), Self.arrayLiteral(offsets.map { String($0.partition) }),
                Self.arrayLiteral(offsets.map { String($0.nextOffset) }), String(epoch),
            ])
        return result.text(row: 0, column: 0).flatMap { Int($0) }
    }

    private static func arrayLiteral(_ elements: [String]) -> String { "{" + elements.joined(separator: ",") + "}" }

    /// An array literal's element, quoted (topic names may hold dots and dashes).
    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Forgets the count (a clean stop); inside a fenced transaction, without `epoch`.
    public func clearStarts(epoch: Int64? = nil) throws {
        if let epoch {
            try connection.execute("delete from applying_starts where exists (select 1 from leadership where epoch = $1)", [String(epoch)])
        } else {
            try connection.execute("delete from applying_starts")
        }
    }

    /// Notes, committed, that `record` is about to be applied alone: once
    /// more when it is noted already (its `applications` is not read).
    public func noteSuspect(_ record: SuspectRecord, epoch: Int64) throws {
        try connection.execute(
            """
            insert into suspect_records (topic, partition, "offset", key, payload)
            select $1, $2, $3, decode($4, 'hex'), decode($5, 'hex') from leadership where epoch = $6
            on conflict (topic, partition, "offset") do update set applications = suspect_records.applications + 1
            """,
            [
                record.topic, String(record.partition), String(record.offset), record.key.map(Self.hex), Self.hex(record.payload),
                String(epoch),
            ])
    }

    /// The noted records: the ones still noted were applied by a daemon that
    /// never committed them.
    public func loadSuspects() throws -> [SuspectRecord] {
        let result = try connection.execute(
            #"select topic, partition, "offset", encode(key, 'hex'), encode(payload, 'hex'), applications from suspect_records order by 1, 2, 3"#
        )
        return (0..<result.rowCount).map { row in
            SuspectRecord(
                topic: result.text(row: row, column: 0)!, partition: Int32(result.text(row: row, column: 1)!)!,
                offset: Int64(result.text(row: row, column: 2)!)!, key: result.text(row: row, column: 3).map(Self.bytes),
                payload: Self.bytes(result.text(row: row, column: 4)!), applications: Int(result.text(row: row, column: 5)!)!)
        }
    }

    /// Deletes the notes of the records the stored offsets have passed
    /// (inside the transaction that commits them, after their offsets).
    public func clearSuspects() throws {
        try connection.execute(
            """
            delete from suspect_records as noted using consumer_offsets as stored
            where stored.topic = noted.topic and stored.partition = noted.partition and noted."offset" < stored.next_offset
            """)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8).map { $0 >= 97 ? $0 - 87 : $0 - 48 }
        return stride(from: 0, to: digits.count - 1, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }
}

/// A consumed record, as noted before it is applied alone.
public struct SuspectRecord: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var payload: [UInt8]
    /// How many processes began applying it alone.
    public var applications: Int

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, payload: [UInt8], applications: Int = 1) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.payload = payload
        self.applications = applications
    }
}
