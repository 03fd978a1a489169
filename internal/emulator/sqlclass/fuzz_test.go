package sqlclass

import (
	"reflect"
	"strings"
	"testing"
)

// fuzzSeeds are inputs that reach every branch of the lexer and the
// classifier, including unterminated constructs.
var fuzzSeeds = []string{
	"SELECT 1; INSERT INTO t VALUES (1, 'a;b', E'c\\'d', $$e;f$$, $t$g$t$, \"h;i\")",
	"BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; COMMIT AND CHAIN",
	"SET LOCAL apg_write_forward.consistency_mode TO 'global'; RESET ALL; SHOW x.y",
	"EXPLAIN (ANALYZE false, FORMAT json) PREPARE p (int) AS UPDATE t SET a = $1",
	"WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d FOR KEY SHARE OF t NOWAIT",
	"CREATE OR REPLACE FUNCTION f() BEGIN ATOMIC SELECT CASE WHEN 1 THEN 2 END; END",
	"SELECT * INTO t2 FROM t /* unterminated /* nested",
	"SELECT 'unterminated",
	"SELECT E'\\",
	"SELECT U&\"a\" U&'b' X'1' $x $1 1.5e+3 .5 -- end",
	"ROLLBACK TO SAVEPOINT s; PREPARE TRANSACTION 'g'; ALTER DEFAULT PRIVILEGES",
	"((((", "))));", "$", "$a", "$a$", "e'", "u&", "/*", "--", "'", "\"",
}

func FuzzSplit(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		parts := Split(q)
		for _, p := range parts {
			// (The end is not trimmed: an unterminated quote keeps its spaces.)
			if p == "" || strings.TrimLeft(p, " \t\n\r\f\v") != p {
				t.Fatalf("Split(%q): part %q is empty or starts with whitespace", q, p)
			}
			if !strings.Contains(q, p) {
				t.Fatalf("Split(%q): part %q is not in the input", q, p)
			}
		}
		// Splitting the parts joined again gives the same parts: a part
		// never ends inside a comment or starts a new statement early.
		if again := Split(strings.Join(parts, ";\n")); !reflect.DeepEqual(again, parts) {
			t.Fatalf("Split(%q) = %q, but split again after joining = %q", q, parts, again)
		}
	})
}

func FuzzClassify(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, p := range append(Split(q), q) {
			st := Classify(p)
			check(t, p, st)
		}
	})
}

// check asserts the invariants every classification keeps.
func check(t *testing.T, q string, st Statement) {
	t.Helper()
	if st.Text != q {
		t.Fatalf("Classify(%q).Text = %q", q, st.Text)
	}
	if strings.HasPrefix(st.Class.String(), "Class(") {
		t.Fatalf("Classify(%q): class %d out of range", q, int(st.Class))
	}
	if (st.Class == Refused) != (st.Reason != "") {
		t.Fatalf("Classify(%q): class %v with reason %q", q, st.Class, st.Reason)
	}
	if (st.Class == Prepare || st.Class == Explain) && st.Inner == nil {
		t.Fatalf("Classify(%q): %v without Inner", q, st.Class)
	}
	if st.Inner != nil {
		if !strings.Contains(q, st.Inner.Text) {
			t.Fatalf("Classify(%q): Inner.Text %q is not in the statement", q, st.Inner.Text)
		}
		check(t, st.Inner.Text, *st.Inner)
	}
}
