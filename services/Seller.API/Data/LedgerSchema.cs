namespace AspireShop.Seller.API.Data;

/// <summary>The payout ledger's rules the database keeps itself, whatever code writes to it (the migration runs this SQL).</summary>
public static class LedgerSchema
{
    /// <summary>The constraint name a commit that does not balance fails with (SQLSTATE 23514, check_violation).</summary>
    public const string BalancedConstraint = "ck_ledger_entry_balanced";

    /// <summary>
    /// Double entry at commit: every entry written in the transaction has at least two postings summing to zero.
    /// Deferred, so an entry and its postings are checked once all of them are in, whichever order they were inserted.
    /// </summary>
    public const string BalancedEntriesSql = $$"""
        CREATE FUNCTION ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            entry uuid;
            postings integer;
            total numeric;
        BEGIN
            -- Separate statements: PL/pgSQL resolves a record field only when the statement naming it runs.
            IF TG_TABLE_NAME = 'ledger_entries' THEN
                entry := NEW.id;
            ELSE
                entry := NEW.entry_id;
            END IF;
            SELECT count(*), coalesce(sum(amount_minor), 0) INTO postings, total FROM ledger_postings WHERE entry_id = entry;
            IF postings < 2 OR total <> 0 THEN
                RAISE EXCEPTION 'ledger entry % does not balance: % posting(s) summing to %', entry, postings, total
                    USING ERRCODE = 'check_violation', CONSTRAINT = '{{BalancedConstraint}}', TABLE = TG_TABLE_NAME;
            END IF;
            RETURN NULL;
        END $$;
        CREATE CONSTRAINT TRIGGER {{BalancedConstraint}}_entries AFTER INSERT ON ledger_entries
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced();
        CREATE CONSTRAINT TRIGGER {{BalancedConstraint}}_postings AFTER INSERT ON ledger_postings
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced();
        """;

    /// <summary>
    /// Append-only for the service: the role it works as may add entries and postings but never change or remove one
    /// (a mistake is corrected by another entry). The role's default grants gave it more; this takes that back.
    /// </summary>
    public static string AppendOnlySql(string role) => $"""
        REVOKE UPDATE, DELETE, TRUNCATE ON ledger_entries, ledger_postings FROM {role};
        """;
}
