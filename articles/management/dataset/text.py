"""Made-up but plausible article text for ``generate_dataset``: assembled from phrase parts, never copied.

Everything is drawn from a ``random.Random`` the caller seeds, so a seed gives the same text.
The text is for load testing only; it is not medical advice and says nothing true on purpose.
"""

from random import Random

# Topic name -> conditions an article in that topic might be about.
TOPICS = {
    "Cardiology": ["high blood pressure", "atrial fibrillation", "heart failure", "angina", "high cholesterol"],
    "Neurology": ["dystonia", "migraine", "epilepsy", "essential tremor", "restless legs"],
    "Endocrinology": ["type 2 diabetes", "an underactive thyroid", "an overactive thyroid", "prediabetes"],
    "Dermatology": ["eczema", "psoriasis", "acne", "rosacea", "hives"],
    "Gastroenterology": ["acid reflux", "irritable bowel syndrome", "coeliac disease", "gallstones"],
    "Respiratory medicine": ["asthma", "COPD", "sleep apnoea", "a chronic cough"],
    "Rheumatology": ["gout", "rheumatoid arthritis", "osteoarthritis", "lupus"],
    "Mental health": ["generalised anxiety", "depression", "insomnia", "panic attacks"],
    "Paediatrics": ["croup", "glue ear", "childhood eczema", "bedwetting"],
    "Women's health": ["endometriosis", "menopause symptoms", "polycystic ovary syndrome"],
    "Urology": ["kidney stones", "an overactive bladder", "an enlarged prostate"],
    "Infectious disease": ["shingles", "Lyme disease", "urinary tract infections", "influenza"],
}
GROUPS = ["", "", "", " in children", " in older adults", " during pregnancy", " after 50", " in athletes"]
TITLE_SHAPES = [
    "What are the causes of {c}{g}?",
    "How is {c} treated{g}?",
    "Living with {c}{g}",
    "When should you see a doctor about {c}{g}?",
    "Can exercise help with {c}{g}?",
    "What are the early signs of {c}{g}?",
    "How is {c} diagnosed{g}?",
    "Medicines for {c}{g}: what to expect",
    "Diet and {c}{g}",
    "Is {c} inherited?",
]
OPENERS = [
    "Most people with {c} can manage it well once they know what to look for.",
    "{C} is common, and the outlook is usually good with the right care.",
    "Doctors diagnose {c} from your symptoms, an examination and sometimes a few tests.",
    "There is no single cause of {c}; several factors usually add up.",
    "Treatment for {c} depends on how much it affects your daily life.",
]
SUBJECTS = [
    "Regular activity",
    "A balanced diet",
    "Good sleep",
    "Stopping smoking",
    "A written care plan",
    "Early treatment",
    "Regular check-ups",
    "Keeping a symptom diary",
    "Talking to your pharmacist",
]
VERBS = [
    "can reduce",
    "often eases",
    "may lower the risk of",
    "helps many people manage",
    "is recommended for",
    "can delay",
    "usually improves",
]
OBJECTS = [
    "flare-ups",
    "symptoms at night",
    "the need for stronger medicines",
    "complications",
    "time off work",
    "pain and stiffness",
    "visits to the emergency department",
]
TAILS = [
    "",
    " in most adults",
    " over several months",
    " when started early",
    " for many people",
    " according to current guidelines",
    " in small trials",
]
ADVICE = [
    "Ask your doctor before changing any medicine.",
    "Seek urgent care if symptoms change suddenly.",
    "Bring a list of your medicines to each appointment.",
    "Check your readings at the same time each day.",
    "Tell your care team about side effects.",
    "Review your plan at least once a year.",
]
BULLETS = [
    "new or worse symptoms",
    "side effects from a medicine",
    "symptoms that wake you at night",
    "a fever with other symptoms",
    "trouble with daily tasks",
    "questions about a test result",
]
PRO_PHRASES = [
    "First-line management follows",
    "Evidence from randomised trials supports",
    "Observational cohorts suggest",
    "Consider referral when",
    "Monitoring intervals follow",
    "Dose titration is guided by",
]
BODIES = [
    "the national society",
    "the college of physicians",
    "the task force",
    "the working group",
    "the expert panel",
]
JOURNALS = [
    "Journal of Clinical Practice",
    "Annals of General Medicine",
    "Clinical Review Letters",
    "Primary Care Quarterly",
    "International Journal of Therapeutics",
    "Evidence in Medicine",
]
QUESTION_SHAPES = [
    "Does the advice on {c} apply if I also take {m}?",
    "My {r} has {c}. Should the rest of the family be checked too?",
    "How long does it usually take for treatment of {c} to work?",
    "Is it safe to exercise with {c} while I wait for my appointment?",
    "Can {c} come back after it has been treated?",
    "Are there side effects of {m} that I should watch for with {c}?",
]
MEDICINES = ["blood thinners", "steroids", "antihistamines", "an inhaler", "painkillers", "statins"]
RELATIVES = ["mother", "son", "daughter", "brother", "husband", "wife", "grandfather"]
EDIT_REASONS = [
    "Clarified wording",
    "Fixed a typo",
    "Updated the advice section",
    "Added a reference",
    "Shortened the summary",
    "Reordered sections",
    "Editorial polish",
    "Updated figures",
]
COMMENTS = [
    "The dosing advice needs a current guideline.",
    "Please cite the trial behind the second claim.",
    "The summary overstates the benefit; soften it.",
    "Add when to seek urgent care.",
    "The professional text needs the monitoring interval.",
]


def _sentence(rng: Random, cite: int | None) -> str:
    text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(TAILS)}"
    return f"{text} [{cite}]." if cite else f"{text}."


def _paragraph(rng: Random, condition: str, cites: list[int]) -> str:
    sentences = [_sentence(rng, rng.choice(cites) if cites and rng.random() < 0.6 else None) for _ in range(3)]
    sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(ADVICE))
    return " ".join(sentences)


def article(rng: Random, topic: str) -> dict:
    """Return title, summary, body, professional text and references for one article."""
    condition = rng.choice(TOPICS[topic])
    title = rng.choice(TITLE_SHAPES).format(c=condition, g=rng.choice(GROUPS))
    title = title[0].upper() + title[1:]
    count = rng.choice([0, 2, 3, 3, 4, 5])
    references = [_reference(rng, condition, number) for number in range(1, count + 1)]
    # Every reference is cited at least once, in order (as the workflow requires).
    guideline_cites = list(range(1, count // 2 + 1)) or ([1] if count else [])
    research_cites = list(range(count // 2 + 1, count + 1))
    opener = rng.choice(OPENERS).format(c=condition, C=condition[0].upper() + condition[1:])
    summary = f"{opener} {_sentence(rng, 1 if count else None)}"
    if count:
        body = "\n\n".join(
            [
                "## From the Guidelines",
                " ".join(f"{_paragraph(rng, condition, [n])}" for n in guideline_cites),
                "## From the Research",
                " ".join(f"{_paragraph(rng, condition, [n])}" for n in research_cites)
                or _paragraph(rng, condition, []),
                "See a doctor about:\n\n" + "\n".join(f"- {b}" for b in rng.sample(BULLETS, 3)),
            ]
        )
    else:
        body = "\n\n".join(
            [_paragraph(rng, condition, []) for _ in range(rng.randint(2, 4))]
            + ["See a doctor about:\n\n" + "\n".join(f"- {b}" for b in rng.sample(BULLETS, 3))]
        )
    professional_summary = professional_body = ""
    if count and rng.random() < 0.3:
        professional_summary = f"{rng.choice(PRO_PHRASES)} {rng.choice(BODIES)} for {condition} [1]."
        professional_body = "\n\n".join(
            f"{rng.choice(PRO_PHRASES)} {rng.choice(BODIES)} [{n}]. {_sentence(rng, n)}" for n in range(1, count + 1)
        )
    return {
        "condition": condition,
        "title": title[:200],
        "summary": summary,
        "body": body,
        "professional_summary": professional_summary,
        "professional_body": professional_body,
        "references": references,
    }


def _reference(rng: Random, condition: str, number: int) -> dict:
    year = rng.randint(2012, 2026)
    if rng.random() < 0.4:
        kind, source = "guideline", rng.choice(BODIES).replace("the ", "").title()
        title = f"Recommendations for {condition}: {rng.choice(['assessment', 'management', 'follow-up'])}"
    else:
        kind, source = "research", rng.choice(JOURNALS)
        design = rng.choice(["cohort", "randomised", "cross-sectional"])
        title = f"{rng.choice(SUBJECTS)} and outcomes in {condition}: a {design} study"
    return {
        "number": number,
        "kind": kind,
        "title": title,
        "source": source,
        "year": year,
        "url": "",
        # 10.5555 is the DOI prefix reserved for examples: these links point nowhere real.
        "doi": f"10.5555/synthetic.{year}.{rng.randrange(10**6):06d}",
        "pmid": "",
    }


def question(rng: Random, condition: str) -> str:
    return rng.choice(QUESTION_SHAPES).format(c=condition, m=rng.choice(MEDICINES), r=rng.choice(RELATIVES))
