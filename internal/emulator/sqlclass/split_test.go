package sqlclass

import (
	"reflect"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"only whitespace and semicolons", " ;\n; ;", nil},
		{"only comments", "-- a\n/* b */;", nil},
		{"one", "SELECT 1", []string{"SELECT 1"}},
		{"trailing semicolon", "SELECT 1;", []string{"SELECT 1"}},
		{"two", "SELECT 1; INSERT INTO t VALUES (1);", []string{"SELECT 1", "INSERT INTO t VALUES (1)"}},
		{"whitespace trimmed", "  \n\tSELECT 1 \n ;\n  SELECT 2  ", []string{"SELECT 1", "SELECT 2"}},
		{"empty statements dropped", ";;SELECT 1;;;SELECT 2;;", []string{"SELECT 1", "SELECT 2"}},
		{"semicolon in string", "SELECT 'a;b'; SELECT 2", []string{"SELECT 'a;b'", "SELECT 2"}},
		{"doubled quote in string", "SELECT 'it''s;'; SELECT 2", []string{"SELECT 'it''s;'", "SELECT 2"}},
		{"E string backslash quote", `SELECT E'a\';b'; SELECT 2`, []string{`SELECT E'a\';b'`, "SELECT 2"}},
		{"plain string backslash is not an escape", `SELECT 'a\'; SELECT 2`, []string{`SELECT 'a\'`, "SELECT 2"}},
		{"quoted identifier", `SELECT 1 AS "a;""b"; SELECT 2`, []string{`SELECT 1 AS "a;""b"`, "SELECT 2"}},
		{"line comment", "SELECT 1 -- x; y\n; SELECT 2", []string{"SELECT 1", "SELECT 2"}},
		{"nested block comment", "SELECT 1 /* a /* b; */ c; */; SELECT 2", []string{"SELECT 1", "SELECT 2"}},
		{"leading comment kept", "/*+ SeqScan(t) */ SELECT 1; -- c\nSELECT 2", []string{"/*+ SeqScan(t) */ SELECT 1", "-- c\nSELECT 2"}},
		{"dollar quote", "DO $$BEGIN x; y; END$$; SELECT 2", []string{"DO $$BEGIN x; y; END$$", "SELECT 2"}},
		{"tagged dollar quote with inner $$", "SELECT $f$a;$$;b$f$; SELECT 2", []string{"SELECT $f$a;$$;b$f$", "SELECT 2"}},
		{"parameter is not a dollar quote", "SELECT $1; SELECT $2", []string{"SELECT $1", "SELECT $2"}},
		{"identifier with dollar", "SELECT a$b$; SELECT 2", []string{"SELECT a$b$", "SELECT 2"}},
		{"semicolon in parentheses", "SELECT (1; 2); SELECT 3", []string{"SELECT (1; 2)", "SELECT 3"}},
		{"unbalanced close parenthesis", "SELECT 1); SELECT 2", []string{"SELECT 1)", "SELECT 2"}},
		{"unterminated string runs to end", "SELECT 'a; SELECT 2", []string{"SELECT 'a; SELECT 2"}},
		{"unterminated comment runs to end", "SELECT 1 /* ; SELECT 2", []string{"SELECT 1"}},
		{"unterminated dollar quote", "SELECT $x$ a; b", []string{"SELECT $x$ a; b"}},
		{"begin atomic body", "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END; SELECT 3",
			[]string{"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END", "SELECT 3"}},
		{"create or replace procedure body", "create or replace procedure p() begin atomic insert into t values (1); end; select 1",
			[]string{"create or replace procedure p() begin atomic insert into t values (1); end", "select 1"}},
		{"transaction block", "BEGIN; UPDATE t SET a = 1; COMMIT;", []string{"BEGIN", "UPDATE t SET a = 1", "COMMIT"}},
		{"case end outside routine", "SELECT CASE WHEN x THEN 1 END; SELECT 2", []string{"SELECT CASE WHEN x THEN 1 END", "SELECT 2"}},
		{"E string trailing backslash", `SELECT E'\`, []string{`SELECT E'\`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Split(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Split(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLex(t *testing.T) {
	type tok struct {
		kind kind
		val  string
	}
	tests := []struct {
		name string
		in   string
		want []tok
	}{
		{"keywords fold to lower case", "SeLeCt Foo", []tok{{word, "select"}, {word, "foo"}}},
		{"quoted identifier keeps case", `"Foo""x"`, []tok{{ident, `Foo"x`}}},
		{"unicode identifier", `U&"a"`, []tok{{ident, "a"}}},
		{"strings", `'a''b' E'c\'d\n' X'1F' n'x' U&'y'`,
			[]tok{{str, "a'b"}, {str, `c'd\n`}, {str, "1F"}, {str, "x"}, {str, "y"}}},
		{"dollar quotes", "$$a$$ $t$b$t$", []tok{{str, "a"}, {str, "b"}}},
		{"numbers and parameters", "1 2.5 .5 1e10 1.5e-3 $12", []tok{{num, "1"}, {num, "2.5"}, {num, ".5"}, {num, "1e10"}, {num, "1.5e-3"}, {param, "$12"}}},
		{"punctuation one byte at a time", "a<=(b)::c;", []tok{{word, "a"}, {punct, "<"}, {punct, "="}, {punct, "("}, {word, "b"}, {punct, ")"}, {punct, ":"}, {punct, ":"}, {word, "c"}, {punct, ";"}}},
		{"comments dropped", "a -- b\n c /* d /* e */ f */ g", []tok{{word, "a"}, {word, "c"}, {word, "g"}}},
		{"lone dollar", "$x", []tok{{punct, "$"}, {word, "x"}}},
		{"word ending in e before string is not a prefix", "se'x'", []tok{{word, "se"}, {str, "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []tok
			for _, x := range lex(tt.in) {
				got = append(got, tok{x.kind, x.val})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("lex(%q)\n got %v\nwant %v", tt.in, got, tt.want)
			}
		})
	}
}
