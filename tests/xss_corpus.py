"""Cross-site scripting payloads for the browser test (tests/test_browser_xss.py).

Each one, if it ever ran, would open a dialog (``alert``/``confirm``/``prompt``) or set
``window.__xss``. They are placed into every field an editor, a board member or a reader
can fill in; none may run on any page of the site or the admin.
"""

MARK = "window.__xss=1"

SCRIPT_TAGS = [
    "<script>alert(1)</script>",
    f"<script>{MARK}</script>",
    "<SCRIPT>alert(2)</SCRIPT>",
    f"<script src=data:text/javascript,{MARK}></script>",
    f'<script type="text/javascript">{MARK}</script>',
    f"<scr<script>ipt>{MARK}</scr</script>ipt>",
    f"</title><script>{MARK}</script>",
    f"</textarea><script>{MARK}</script>",
    f"</script><script>{MARK}</script>",
    f"<script>/*</script><script>*/{MARK}</script>",
]

EVENT_HANDLERS = [
    f"<img src=x onerror={MARK}>",
    "<img src=x onerror=alert(3)>",
    f'<img src="x" onerror="{MARK}">',
    f"<svg onload={MARK}>",
    f"<body onload={MARK}>",
    f"<div onmouseover={MARK} style=position:fixed;inset:0>hover</div>",
    f"<input autofocus onfocus={MARK}>",
    f"<details open ontoggle={MARK}>",
    f"<video><source onerror={MARK}></video>",
    f"<audio src=x onerror={MARK}>",
    f"<iframe onload={MARK}></iframe>",
    f"<marquee onstart={MARK}>x</marquee>",
    f'" onmouseover="{MARK}" x="',
    f"' onfocus='{MARK}' autofocus x='",
    f'"><img src=x onerror={MARK}>',
    f"'><svg onload={MARK}>",
    f"<a href=# onclick={MARK}>click</a>",
    f"<select autofocus onfocus={MARK}></select>",
    f"<textarea autofocus onfocus={MARK}></textarea>",
    f"<object data=x onerror={MARK}></object>",
]

URLS = [
    f"javascript:{MARK}",
    "javascript:alert(4)",
    f"JaVaScRiPt:{MARK}",
    f" javascript:{MARK}",
    f"java\tscript:{MARK}",
    f"jav&#x09;ascript:{MARK}",
    f"&#106;avascript:{MARK}",
    f"data:text/html,<script>{MARK}</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==",
    f"vbscript:{MARK}",
    f"[click](javascript:{MARK})",
    f"[click](JAVASCRIPT:{MARK})",
    f"[click](data:text/html,<script>{MARK}</script>)",
    f"![img](javascript:{MARK})",
    f'![x](x" onerror="{MARK})',
    # Library figures: alt text and caption end up in attributes and a figcaption.
    f'![x" onerror="{MARK}](image:1 "<script>{MARK}</script>")',
    f'![<img src=x onerror={MARK}>](image:999999 "\\" onload=\\"{MARK}")',
    f"[ref]: javascript:{MARK}\n\n[click][ref]",
    f"<a href=javascript:{MARK}>link</a>",
    f'<a href="&#x6A;avascript:{MARK}">link</a>',
    f"<img src=javascript:{MARK}>",
    f"<iframe src=javascript:{MARK}></iframe>",
    f"<iframe srcdoc='<script>parent.{MARK}</script>'></iframe>",
    f"<form action=javascript:{MARK}><button>go</button></form>",
    f"<button formaction=javascript:{MARK}>go</button>",
    f"<embed src=javascript:{MARK}>",
    f'<meta http-equiv="refresh" content="0;url=javascript:{MARK}">',
    f"<base href=javascript:{MARK}//>",
    f"<link rel=import href=data:text/html,<script>{MARK}</script>>",
    f'<a href="javascript&colon;{MARK}">colon</a>',
]

SVG_AND_MATHML = [
    f"<svg><script>{MARK}</script></svg>",
    f"<svg><a xlink:href=javascript:{MARK}><text y=20>x</text></a></svg>",
    f"<svg><animate onbegin={MARK} attributeName=x dur=1s>",
    f"<svg><set attributeName=onload to={MARK}>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={MARK}>",
    f"<svg><foreignObject><img src=x onerror={MARK}></foreignObject></svg>",
]

BROKEN_MARKUP = [
    f"<img src=x onerror={MARK}",
    f"<<script>{MARK}//<</script>",
    f"<img/src=x/onerror={MARK}>",
    f"<!--><img src=x onerror={MARK}>-->",
    f"<![CDATA[<script>{MARK}</script>]]>",
    f"<style></style><img src=x onerror={MARK}>",
    f'<noscript><p title="</noscript><img src=x onerror={MARK}>">',
    f"`<img src=x onerror={MARK}>`",
    f"```\n</code></pre><img src=x onerror={MARK}>\n```",
    f'<p style="background:url(javascript:{MARK})">css</p>',
    f'<div style="x:expression({MARK})">old IE</div>',
]

UNICODE_TRICKS = [
    f"\uff1cscript\uff1e{MARK}\uff1c/script\uff1e",
    f"<scr\u0131pt>{MARK}</scr\u0131pt>",
    f"<img src=x one\u200brror={MARK}>",
    f"\\u003cscript\\u003e{MARK}\\u003c/script\\u003e",
    f"%3Cscript%3E{MARK}%3C/script%3E",
    f"&lt;script&gt;{MARK}&lt;/script&gt;",
    f"\u2028<script>{MARK}</script>",
]

TEMPLATE_SYNTAX = [
    "{{ 7|add:7 }}{% debug %}",
    "{% load static %}{% static 'x' %}",
    "{{ request.user.password }}",
    "{% include 'admin/base.html' %}",
    "{{ settings.SECRET_KEY }}",
    f"{{{{ '<script>{MARK}</script>'|safe }}}}",
    f"{{% autoescape off %}}<script>{MARK}</script>{{% endautoescape %}}",
    "${alert(6)}",
    "#{alert(7)}",
]

PAYLOADS = SCRIPT_TAGS + EVENT_HANDLERS + URLS + SVG_AND_MATHML + BROKEN_MARKUP + UNICODE_TRICKS + TEMPLATE_SYNTAX
