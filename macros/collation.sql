{#- F&O compares keys with the collation SQL_Latin1_General_CP1_CI_AS. For Unicode text it is
    case-insensitive, accent-sensitive, width-insensitive and kana-insensitive, and it ignores
    trailing spaces; lengths are counted as SQL Server stores nvarchar, in UTF-16 code units.
    These macros are the one place every key comparison and every length rule goes through.
    docs/rules.md ("How keys compare") says what is folded and what is not. -#}


{#- Width and kana folding, one character to one character: the full-width forms of ASCII
    (U+FF01-FF5E) and of other signs, the half-width katakana and Hangul (U+FF61-FFEE),
    the ideographic space (U+3000) become their ordinary forms (Unicode's NFKC mapping of each
    of these characters), and hiragana (U+3041-3096, U+309D-309E) become katakana. A
    half-width voiced mark becomes the combining mark, which NFC then composes (`ｶﾞ` = `ガ`).
    tests/test_collation.py checks the two strings against Python's unicodedata. -#}
{% macro width_kana_fold_from() -%}
！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～｟｠｡｢｣､･ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝﾞﾟﾠﾡﾢﾣﾤﾥﾦﾧﾨﾩﾪﾫﾬﾭﾮﾯﾰﾱﾲﾳﾴﾵﾶﾷﾸﾹﾺﾻﾼﾽﾾￂￃￄￅￆￇￊￋￌￍￎￏￒￓￔￕￖￗￚￛￜ￠￡￢￤￥￦￨￩￪￫￬￭￮　ぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔゕゖゝゞ
{%- endmacro %}

{% macro width_kana_fold_to() -%}
!"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~⦅⦆。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン゙゚ᅠᄀᄁᆪᄂᆬᆭᄃᄄᄅᆰᆱᆲᆳᆴᆵᄚᄆᄇᄈᄡᄉᄊᄋᄌᄍᄎᄏᄐᄑ하ᅢᅣᅤᅥᅦᅧᅨᅩᅪᅫᅬᅭᅮᅯᅰᅱᅲᅳᅴᅵ¢£¬¦¥₩│←↑→↓■○ ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロヮワヰヱヲンヴヵヶヽヾ
{%- endmacro %}


{#- The fold strings as a string literal of the adapter (Spark escapes with backslashes). -#}
{% macro fold_literal(text) -%}
    {{ return(adapter.dispatch('fold_literal', 'd365_customer_migration')(text)) }}
{%- endmacro %}

{% macro default__fold_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__fold_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}


{#- The key of a value as F&O compares it: spaces trimmed, width and kana folded, canonically
    equivalent spellings made one (NFC: `u` + U+0308 = `ü`), upper-cased (case folded, accents
    kept: `Müller` stays `MÜLLER`), spaces trimmed again (a folded ideographic space), blank is
    NULL. -#}
{% macro normalized_key(expression) -%}
    {{ return(adapter.dispatch('normalized_key', 'd365_customer_migration')(expression)) }}
{%- endmacro %}

{#- An engine without a Unicode normalisation function: canonically equivalent spellings stay
    two keys (documented in docs/rules.md, Known limits). -#}
{% macro default__normalized_key(expression) -%}
    nullif({{ trim_spaces('upper(translate(' ~ trim_spaces(expression) ~ ', ' ~ fold_literal(width_kana_fold_from()) ~ ', ' ~ fold_literal(width_kana_fold_to()) ~ '))') }}, '')
{%- endmacro %}

{#- An ASCII value (as many bytes as characters) needs neither folding nor NFC: only that cheap
    branch runs for nearly every key, as DuckDB's translate() is slow. nfc_normalize() cuts a
    non-ASCII string at a NUL character: such a value (which `loader land` refuses, and
    INVALID_ACCOUNT rejects) keeps its characters, un-normalised. -#}
{% macro duckdb__normalized_key(expression) -%}
    {%- set trimmed = trim_spaces_where_any(expression) -%}
    nullif(
        case
            when strlen({{ trimmed }}) = length({{ trimmed }}) or contains({{ trimmed }}, chr(0))
                then upper({{ trimmed }})
            else {{ trim_spaces('upper(nfc_normalize(translate(' ~ trimmed ~ ', ' ~ fold_literal(width_kana_fold_from()) ~ ', ' ~ fold_literal(width_kana_fold_to()) ~ ')))') }}
        end,
        ''
    )
{%- endmacro %}

{#- Spark SQL has no NFC function before `normalize()` (Spark 4.4). `reflect()` into
    java.text.Normalizer is nondeterministic to Catalyst, so it cannot sit in the join and
    group-by keys this macro feeds: on Spark, keys are folded but not NFC-normalised (the limit
    in docs/rules.md). On Spark 4.4+, wrap the translate() in `normalize(..., 'NFC')`. -#}
{% macro spark__normalized_key(expression) -%}
    nullif({{ trim_spaces('upper(translate(' ~ trim_spaces(expression) ~ ', ' ~ fold_literal(width_kana_fold_from()) ~ ', ' ~ fold_literal(width_kana_fold_to()) ~ '))') }}, '')
{%- endmacro %}


{#- The length of a value as SQL Server stores nvarchar: UTF-16 code units, so a character
    outside the Basic Multilingual Plane (an emoji, U+1D400 `𝐀`) counts 2. F&O cuts a longer
    value silently. -#}
{% macro utf16_length(expression) -%}
    {{ return(adapter.dispatch('utf16_length', 'd365_customer_migration')(expression)) }}
{%- endmacro %}

{% macro default__utf16_length(expression) -%}
    {{ dbt.length(expression) }}
{%- endmacro %}

{#- length() counts code points; each one above U+FFFF adds a unit. ASCII skips the regex. -#}
{% macro duckdb__utf16_length(expression) -%}
    (
        length({{ expression }})
        + case
            when strlen({{ expression }}) = length({{ expression }}) then 0
            else length(regexp_replace({{ expression }}, '[^\x{10000}-\x{10FFFF}]', '', 'g'))
        end
    )
{%- endmacro %}

{% macro spark__utf16_length(expression) -%}
    (octet_length(encode({{ expression }}, 'UTF-16LE')) div 2)
{%- endmacro %}
