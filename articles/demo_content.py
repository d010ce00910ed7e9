"""Demo content for the medically reviewed articles site.

Plain data only: specialties, a fictional Medical Advisory Board and eight sample
articles with their references. British spelling is used throughout (titles of
published references are quoted exactly as published).

Citations in bodies use bracketed numbers such as [1], [1, 3] or [2-4]; each
number is the 1-based position of the reference in that article's list.
"""

from textwrap import dedent

SPECIALTIES = [
    {"name": "Neurology", "slug": "neurology"},
    {"name": "Cardiology", "slug": "cardiology"},
    {"name": "Endocrinology", "slug": "endocrinology"},
    {"name": "Respiratory Medicine", "slug": "respiratory-medicine"},
    {"name": "Primary Care", "slug": "primary-care"},
]

# Fictional reviewers. Any resemblance to real people is unintended.
BOARD = [
    {
        "username": "dr.okafor",
        "display_name": "Dr Amara Okafor",
        "credentials": "MD, PhD",
        "specialty": "neurology",
        "bio": (
            "Dr Okafor is a consultant neurologist who runs a movement disorders clinic, "
            "seeing adults with dystonia, tremor and Parkinson's disease. Her doctoral research "
            "looked at how the brain plans and controls movement. She reviews the site's "
            "neurology articles and has a particular interest in explaining genetic test results "
            "in plain language."
        ),
        "conflicts_of_interest": "None declared.",
    },
    {
        "username": "dr.lindqvist",
        "display_name": "Dr Henrik Lindqvist",
        "credentials": "MBBS, MD, FRCP",
        "specialty": "cardiology",
        "bio": (
            "Dr Lindqvist is a consultant cardiologist with more than 15 years' experience in "
            "hypertension and preventive cardiology. He leads a community blood pressure service "
            "that supports GP practices with home and ambulatory monitoring. He reviews articles "
            "on heart and circulation conditions."
        ),
        "conflicts_of_interest": (
            "Received speaker fees from Calderbrook Pharmaceuticals in 2024 for two educational "
            "talks on home blood pressure monitoring. No other relevant interests."
        ),
    },
    {
        "username": "pharm.raman",
        "display_name": "Dr Priya Raman",
        "credentials": "PharmD",
        "specialty": "primary-care",
        "bio": (
            "Dr Raman is a clinical pharmacist working in primary care, where she runs medication "
            "review clinics for people taking several long-term medicines. She has a special "
            "interest in the safe use of medicines in pregnancy and in older adults. She reviews "
            "articles that discuss medicines, doses and side effects."
        ),
        "conflicts_of_interest": "None declared.",
    },
]


ARTICLES = [
    # ------------------------------------------------------------------ 1
    {
        "title": "What are the causes of dystonia?",
        "slug": "what-are-the-causes-of-dystonia",
        "specialty": "neurology",
        "summary": (
            "Dystonia happens when the brain's signals to the muscles go wrong, so muscles "
            "tighten on their own and cause twisting movements or unusual postures. In some "
            "people the cause is a change in a gene, and in others it follows something that has "
            "affected the brain, such as a stroke, an injury or certain medicines. For many "
            "adults, especially when only one part of the body is affected, no single cause is "
            "found. Knowing the likely cause helps doctors choose the right tests and treatment."
        ),
        "body": dedent(
            """\
            ## From the Guidelines

            Dystonia is a movement disorder in which muscles tighten without you meaning them
            to, twisting part of the body or pulling it into an unusual position. Experts now
            describe dystonia in two ways: by what it looks like, such as the age it started
            and which parts of the body are affected, and by what is behind it [1].

            When doctors look for a cause, they usually think about three groups [1, 2]:

            - **Inherited dystonia.** A change in a single gene is passed down in a family.
              Some people who carry such a change never develop symptoms.
            - **Acquired dystonia.** Something has damaged or disturbed the parts of the brain
              that control movement. Examples include a brain injury around birth, a stroke, a
              head injury, an infection, or a side effect of some medicines, such as certain
              anti-sickness or mental health medicines.
            - **Idiopathic dystonia.** No clear cause is found. This is common in adults whose
              dystonia affects just one area, such as the neck or the eyelids.

            European guidance suggests offering a genetic test to some people, for example if
            dystonia started in an arm or leg before the age of 30, or if a close relative had
            dystonia that began early in life [2]. It also advises trying a medicine called
            levodopa in young people with dystonia, because one rare inherited type responds
            very well to it [2]. The type of dystonia also guides treatment: for dystonia of the
            neck, botulinum toxin injections are a well-supported option [3].

            ## From the Research

            - In 1997, scientists found the first gene for an inherited form of dystonia that
              usually starts in childhood. Almost everyone with this form has the same tiny
              change in a gene now called *TOR1A* [4].
            - Brain studies suggest that dystonia is a problem with a network of brain areas
              working together, including the basal ganglia and the cerebellum, rather than
              damage to one spot [5].
            - Many more genes have since been found, and genes may also play a part in some
              dystonia once thought to have no cause [5].

            Dystonia is not usually life-threatening, but it can be painful and can make
            everyday tasks harder [6]. If you notice twisting or a posture you cannot control,
            talk to your doctor, who may refer you to a neurologist.
            """
        ).strip(),
        "professional_summary": (
            "Dystonia is a hyperkinetic movement disorder in which involuntary, often patterned "
            "muscle contractions produce abnormal postures, twisting movements or both, typically "
            "provoked or worsened by voluntary action. Current consensus classifies it on two "
            "separate axes, clinical features and aetiology, with aetiology grouped as inherited, "
            "acquired or idiopathic. Assessment is guided by age at onset, body distribution, "
            "temporal pattern and associated neurological signs, and genetic testing, "
            "neuroimaging and a levodopa trial are used selectively."
        ),
        "professional_body": dedent(
            """\
            ## From the Guidelines

            The 2013 consensus update separates clinical characterisation (Axis I: age at onset,
            body distribution, temporal pattern and associated features) from aetiology (Axis II:
            nervous system pathology and inheritance) [1]. Isolated dystonia, with or without
            tremor, is distinguished from combined dystonia, in which another movement disorder
            such as parkinsonism or myoclonus is also present [1].

            Aetiological categories [1, 2]:

            - **Inherited:** autosomal dominant (for example *TOR1A*, *THAP1*, *GCH1*),
              autosomal recessive (for example Wilson disease), X-linked and mitochondrial forms.
            - **Acquired:** perinatal hypoxic-ischaemic injury, stroke, traumatic brain injury,
              CNS infection, structural basal ganglia lesions, toxins and drugs, notably acute
              dystonic reactions and tardive dystonia with dopamine receptor blocking agents.
            - **Idiopathic:** sporadic or familial cases without an identified cause; most
              adult-onset focal and segmental dystonias (cervical dystonia, blepharospasm,
              writer's cramp) currently sit here.

            EFNS recommendations relevant to aetiological work-up [2]:

            - *TOR1A* (DYT1) testing in primary dystonia with limb onset before 30 years, or
              with an affected relative with early-onset disease; *THAP1* (DYT6) testing in
              early-onset or familial craniocervical dystonia once *TOR1A* has been excluded.
            - A levodopa trial in every patient with early-onset dystonia without an alternative
              diagnosis, so that dopa-responsive dystonia is not missed.
            - Neuroimaging when the history or examination points to an acquired or
              heredodegenerative cause.

            Aetiology also shapes management. For cervical dystonia, the AAN rates
            abobotulinumtoxinA and rimabotulinumtoxinB as established effective (Level A) and
            onabotulinumtoxinA and incobotulinumtoxinA as probably effective (Level B) [3].
            Pallidal deep brain stimulation is an option for generalised or cervical dystonia
            after medication and botulinum toxin have failed, with lower efficacy in acquired
            forms [2].

            ## From the Research

            - Positional cloning mapped DYT1 to chromosome 9q34 and identified a recurrent
              in-frame 3-bp (GAG) deletion in *TOR1A*, removing one glutamic acid residue from
              torsinA, an AAA+ ATPase [4].
            - *TOR1A* dystonia shows markedly reduced penetrance, at around 30%, which helps
              explain apparently sporadic cases and the need for careful genetic counselling [5].
            - Proposed convergent mechanisms include disordered transcriptional regulation
              (*THAP1*, *KMT2B*), abnormal striatal dopaminergic signalling (*GCH1*, *GNAL*),
              maladaptive synaptic plasticity and loss of inhibition across basal
              ganglia-cerebello-thalamo-cortical networks [5].
            - Diagnostic yield from multigene panels or exome sequencing is highest in
              early-onset, generalised or combined phenotypes, and low in adult-onset isolated
              focal dystonia [5].
            """
        ).strip(),
        "references": [
            {
                "kind": "guideline",
                "title": "Phenomenology and classification of dystonia: a consensus update",
                "source": "Movement Disorders",
                "year": 2013,
                "url": "",
                "doi": "10.1002/mds.25475",
                "pmid": "23649720",
            },
            {
                "kind": "guideline",
                "title": "EFNS guidelines on diagnosis and treatment of primary dystonias",
                "source": "European Journal of Neurology",
                "year": 2011,
                "url": "",
                "doi": "10.1111/j.1468-1331.2010.03042.x",
                "pmid": "20482602",
            },
            {
                "kind": "guideline",
                "title": (
                    "Practice guideline update summary: Botulinum neurotoxin for the treatment of "
                    "blepharospasm, cervical dystonia, adult spasticity, and headache"
                ),
                "source": "Neurology (American Academy of Neurology)",
                "year": 2016,
                "url": "",
                "doi": "10.1212/WNL.0000000000002560",
                "pmid": "",
            },
            {
                "kind": "research",
                "title": "The early-onset torsion dystonia gene (DYT1) encodes an ATP-binding protein",
                "source": "Nature Genetics",
                "year": 1997,
                "url": "",
                "doi": "10.1038/ng0997-40",
                "pmid": "9288096",
            },
            {
                "kind": "research",
                "title": "Dystonia",
                "source": "Nature Reviews Disease Primers",
                "year": 2018,
                "url": "",
                "doi": "",
                "pmid": "",
            },
            {
                "kind": "other",
                "title": "Dystonia: patient information",
                "source": "National Institute of Neurological Disorders and Stroke",
                "year": 2023,
                "url": "https://www.ninds.nih.gov",
                "doi": "",
                "pmid": "",
            },
        ],
    },
    # ------------------------------------------------------------------ 2
    {
        "title": "How is high blood pressure treated in adults?",
        "slug": "how-is-high-blood-pressure-treated-in-adults",
        "specialty": "cardiology",
        "summary": (
            "High blood pressure is usually treated with a mix of healthy lifestyle changes and, "
            "for many people, daily medicine. Eating less salt, being more active, drinking less "
            "alcohol and losing weight if needed can all lower blood pressure. If your blood "
            "pressure stays high, or your risk of heart disease or stroke is raised, your doctor "
            "will usually suggest one or more tablets. Treatment is long-term, and regular checks "
            "help make sure it is working."
        ),
        "body": dedent(
            """\
            ## From the Guidelines

            Before starting treatment, guidelines advise making sure that blood pressure really
            is high. In the UK this usually means measuring it at home, or with a small monitor
            worn for a day, because readings taken in a clinic can be higher than usual [1].

            Lifestyle changes are recommended for everyone with high blood pressure [1, 3]:

            - eat less salt and more fruit and vegetables
            - be physically active on most days
            - keep alcohol within recommended limits
            - stop smoking
            - aim for a healthy weight

            Medicine is offered when blood pressure is very high, or when it is moderately high
            and you also have a higher chance of heart disease or stroke, or a condition such as
            kidney disease or diabetes [1, 2]. Common first choices are ACE inhibitors,
            angiotensin receptor blockers, calcium channel blockers and thiazide-type diuretics,
            sometimes called water tablets [2, 3]. Which one is tried first can depend on your
            age, your family background and your other health conditions [1]. Many people need
            two or more medicines, and taking them together in a single pill can make this
            easier [2].

            Most guidelines aim for a clinic reading below 140/90 mmHg for adults under 80, and
            some suggest going lower for people at high risk [1-3].

            ## From the Research

            - A large trial called SPRINT compared a target top number of under 120 with under
              140 in adults at higher risk of heart disease who did not have diabetes. The lower
              target reduced the combined rate of heart attacks, heart failure, strokes and
              deaths from heart disease. However, very low blood pressure, fainting and changes
              in kidney function or blood salts were more common [4].
            - A study pooling data from about 345,000 people in 48 trials found that lowering
              the top number by 5 mmHg cut the risk of major heart and circulation problems by
              about 10%. The benefit was seen even in people whose blood pressure was not very
              high to begin with [5].

            If you have been told your blood pressure is high, talk to your doctor, nurse or
            pharmacist about which treatment suits you, and do not stop any medicine without
            advice.
            """
        ).strip(),
        "professional_summary": (
            "Management of hypertension combines confirmation of the diagnosis with out-of-office "
            "measurement, lifestyle intervention for all patients, and pharmacotherapy guided by "
            "blood pressure stage and absolute cardiovascular risk. First-line agents are ACE "
            "inhibitors or ARBs, dihydropyridine calcium channel blockers and thiazide or "
            "thiazide-like diuretics, with early combination therapy appropriate for many "
            "patients. Treatment targets differ between guidelines; trial and meta-analytic "
            "evidence supports more intensive lowering in selected higher-risk adults, weighed "
            "against adverse effects."
        ),
        "professional_body": dedent(
            """\
            ## From the Guidelines

            **Diagnosis.** NICE recommends ambulatory monitoring, or home monitoring if
            ambulatory monitoring is unsuitable, to confirm hypertension when clinic blood
            pressure is 140/90 mmHg or higher [1]. The ACC/AHA guideline uses lower category
            thresholds, defining stage 1 hypertension as 130-139/80-89 mmHg [3].

            **When to start drug treatment.**

            - NICE: offer treatment for stage 2 hypertension at any age, and for stage 1 in
              adults under 80 with target organ damage, established cardiovascular disease,
              renal disease, diabetes or a 10-year cardiovascular risk of 10% or more [1].
            - WHO: start pharmacological treatment at a confirmed systolic pressure of 140 mmHg
              or more or diastolic of 90 mmHg or more, and at systolic 130-139 mmHg in people
              with established cardiovascular disease [2].

            **Choice of agent.**

            - NICE step 1: an ACE inhibitor or ARB for people with type 2 diabetes, or aged under
              55 and not of Black African or African-Caribbean family origin; a calcium channel
              blocker for people aged 55 or over, or of Black African or African-Caribbean family
              origin, without type 2 diabetes [1].
            - ACC/AHA: thiazide diuretics, calcium channel blockers, ACE inhibitors or ARBs as
              first line, with two first-line agents of different classes for stage 2
              hypertension when blood pressure is more than 20/10 mmHg above target [3].
            - WHO suggests combination therapy, preferably as a single-pill combination, to
              improve adherence and control [2].

            **Targets.** NICE: clinic below 140/90 mmHg under 80 years and below 150/90 mmHg at
            80 and over [1]. ACC/AHA: below 130/80 mmHg for most adults [3]. WHO: below
            140/90 mmHg generally, and systolic below 130 mmHg in people with cardiovascular
            disease [2].

            ## From the Research

            - SPRINT randomised 9361 adults without diabetes at increased cardiovascular risk to
              a systolic target below 120 mmHg or below 140 mmHg. The trial stopped early at a
              median of 3.26 years; the primary composite outcome fell (HR 0.75, 95% CI 0.64 to
              0.89), as did all-cause mortality (HR 0.73), at the cost of more hypotension,
              syncope, electrolyte abnormalities and acute kidney injury [4]. Unattended automated
              office measurement was used, so trial readings are not directly interchangeable
              with routine clinic readings.
            - An individual participant-level meta-analysis of 48 randomised trials (344,716
              participants) found that each 5 mmHg reduction in systolic pressure lowered the
              risk of major cardiovascular events by about 10%. Relative benefit was similar with
              and without prior cardiovascular disease and across baseline blood pressure
              categories, including normal and high-normal values [5].
            """
        ).strip(),
        "references": [
            {
                "kind": "guideline",
                "title": "Hypertension in adults: diagnosis and management (NG136)",
                "source": "National Institute for Health and Care Excellence (NICE)",
                "year": 2019,
                "url": "https://www.nice.org.uk/guidance/ng136",
                "doi": "",
                "pmid": "",
            },
            {
                "kind": "guideline",
                "title": "Guideline for the pharmacological treatment of hypertension in adults",
                "source": "World Health Organization",
                "year": 2021,
                "url": "https://www.who.int",
                "doi": "",
                "pmid": "",
            },
            {
                "kind": "guideline",
                "title": (
                    "2017 ACC/AHA/AAPA/ABC/ACPM/AGS/APhA/ASH/ASPC/NMA/PCNA Guideline for the "
                    "Prevention, Detection, Evaluation, and Management of High Blood Pressure in "
                    "Adults: Executive Summary"
                ),
                "source": "Hypertension (American College of Cardiology / American Heart Association)",
                "year": 2018,
                "url": "",
                "doi": "10.1161/HYP.0000000000000066",
                "pmid": "",
            },
            {
                "kind": "research",
                "title": "A randomized trial of intensive versus standard blood-pressure control",
                "source": "New England Journal of Medicine",
                "year": 2015,
                "url": "",
                "doi": "10.1056/NEJMoa1511939",
                "pmid": "26551272",
            },
            {
                "kind": "research",
                "title": (
                    "Pharmacological blood pressure lowering for primary and secondary prevention "
                    "of cardiovascular disease across different levels of blood pressure: an "
                    "individual participant-level data meta-analysis"
                ),
                "source": "The Lancet",
                "year": 2021,
                "url": "",
                "doi": "10.1016/S0140-6736(21)00590-0",
                "pmid": "",
            },
        ],
    },
    # ------------------------------------------------------------------ 3
    {
        "title": "Looking after your feet when you have diabetes",
        "slug": "looking-after-your-feet-with-diabetes",
        "specialty": "endocrinology",
        "summary": (
            "Diabetes can reduce feeling in your feet and slow down healing, so small injuries "
            "can turn into serious problems without you noticing. Checking your feet every day, "
            "keeping them clean and moisturised, and wearing well-fitting shoes all help to "
            "prevent trouble. Get help the same day if you spot a wound, redness or swelling that "
            "is not getting better."
        ),
        "body": dedent(
            """\
            Diabetes can affect your feet in two main ways. Over time, high blood sugar can
            damage the nerves in your feet, so you may not feel a cut, a blister or a stone in
            your shoe. It can also narrow the blood vessels that supply your legs and feet,
            which means small wounds heal more slowly and are more likely to become infected.

            The good news is that most serious foot problems can be prevented, and a few
            minutes of care each day makes a real difference.

            ## Everyday foot care

            - Check both feet every day, including the soles and between your toes. A mirror,
              or a family member, can help if you cannot see them easily.
            - Wash your feet in warm, not hot, water and dry them well, especially between the
              toes. Use moisturiser on dry skin, but not between the toes.
            - Cut toenails straight across and smooth any sharp edges. If this is hard for you,
              ask about help from a podiatrist.
            - Wear socks and shoes that fit well, and feel inside your shoes for anything sharp
              before you put them on.
            - Avoid walking barefoot, even at home, and do not use corn plasters or blades on
              hard skin.

            ## Regular checks

            Most people with diabetes should have their feet checked by a healthcare
            professional at least once a year. The check looks at feeling, blood flow and the
            shape of your feet, and tells you how much extra care you might need. Keeping your
            blood sugar, blood pressure and cholesterol in a healthy range, and not smoking,
            also helps to protect your feet.

            ## When to get help quickly

            Contact your GP practice, diabetes team or foot protection service the same day if
            you notice a cut or blister that is not healing, new redness, swelling or warmth, a
            change in the colour of your skin, or any discharge. Do not wait for your next
            routine appointment. Early treatment can stop a small problem from becoming a
            serious one.
            """
        ).strip(),
        "professional_summary": "",
        "professional_body": "",
        "references": [],
    },
    # ------------------------------------------------------------------ 4
    {
        "title": "Is it safe to take ibuprofen during pregnancy?",
        "slug": "is-it-safe-to-take-ibuprofen-during-pregnancy",
        "specialty": "primary-care",
        "summary": (
            "Ibuprofen is generally not recommended during pregnancy unless a doctor advises it, "
            "and it should be avoided from about 20 weeks onwards. In the second half of "
            "pregnancy it can affect the baby's kidneys and heart. Paracetamol is usually the "
            "preferred painkiller. If you have already taken a few doses, it is unlikely to have "
            "caused harm, but let your midwife or doctor know."
        ),
        "body": dedent(
            """\
            ## The short answer

            Most health services advise not taking ibuprofen while you are pregnant unless a
            doctor has told you to. Paracetamol is usually the first choice for pain or a high
            temperature in pregnancy, taken at the lowest dose that works for the shortest time
            needed.

            ## Why the later months matter most

            From around 20 weeks of pregnancy, the baby's kidneys make most of the fluid that
            surrounds them in the womb. Ibuprofen and similar medicines, known as NSAIDs, can
            affect how the baby's kidneys work, and this can lead to too little of this
            fluid [1]. From around 30 weeks, these medicines can also make a small blood vessel
            near the baby's heart close too early, which can be serious [1].

            This advice does not apply to low-dose aspirin that a doctor or midwife has
            prescribed, for example to lower the risk of pre-eclampsia. Keep taking it as you
            have been advised [1].

            ## What about early pregnancy?

            The evidence for the first few months is less clear. A large study from Norway that
            included more than 90,000 pregnancies did not find more birth defects in babies
            whose mothers had taken ibuprofen [3]. Some studies have suggested a possible link
            with miscarriage, but their results do not agree, and other factors may explain
            them [2].

            If you took ibuprofen before you knew you were pregnant, try not to worry. A few
            doses are unlikely to have caused harm, but it is a good idea to mention it to your
            midwife or doctor [2].

            ## Check the label

            Ibuprofen is found in many cold, flu and period pain remedies, sometimes under a
            brand name. Read the label, or ask a pharmacist, before taking any medicine while
            you are pregnant [1, 2].
            """
        ).strip(),
        "professional_summary": "",
        "professional_body": "",
        "references": [
            {
                "kind": "other",
                "title": (
                    "FDA recommends avoiding use of NSAIDs in pregnancy at 20 weeks or later "
                    "because they can result in low amniotic fluid"
                ),
                "source": "US Food and Drug Administration (Drug Safety Communication)",
                "year": 2020,
                "url": (
                    "https://www.fda.gov/drugs/drug-safety-and-availability/"
                    "fda-recommends-avoiding-use-nsaids-pregnancy-20-weeks-or-later-because-they-can-result-low-amniotic"
                ),
                "doi": "",
                "pmid": "",
            },
            {
                "kind": "other",
                "title": "Using ibuprofen in pregnancy",
                "source": "UK Teratology Information Service (bumps)",
                "year": 2023,
                "url": "https://www.medicinesinpregnancy.org",
                "doi": "",
                "pmid": "",
            },
            {
                "kind": "research",
                "title": (
                    "Effects of ibuprofen, diclofenac, naproxen, and piroxicam on the course of "
                    "pregnancy and pregnancy outcome: a prospective cohort study"
                ),
                "source": "BJOG: An International Journal of Obstetrics and Gynaecology",
                "year": 2013,
                "url": "",
                "doi": "10.1111/1471-0528.12192",
                "pmid": "23489333",
            },
        ],
    },
    # ------------------------------------------------------------------ 5
    {
        "title": "What is iron-deficiency anaemia?",
        "slug": "what-is-iron-deficiency-anaemia",
        "specialty": "primary-care",
        "summary": (
            "Iron-deficiency anaemia means your blood has fewer healthy red blood cells than it "
            "should because your body is short of iron. It can make you feel tired, weak or short "
            "of breath. It is usually treated with iron tablets, and it is just as important to "
            "find out why your iron is low."
        ),
        "body": dedent(
            """\
            ## What is it?

            Your body uses iron to make haemoglobin, the part of red blood cells that carries
            oxygen. When iron runs low, you make less haemoglobin, and your muscles and organs
            get less oxygen. Common signs include tiredness, lack of energy, shortness of
            breath, pale skin, headaches and being aware of your heartbeat. Some people have no
            symptoms and only find out from a routine blood test.

            ## Why does it happen?

            Iron can run low if you lose blood, if you do not get enough iron from food, or if
            your body cannot absorb it well. Heavy periods and pregnancy are common reasons.
            Bleeding from the stomach or bowel, coeliac disease and some medicines can also be
            causes [1]. In men, and in women who no longer have periods, doctors usually check
            the gut for a hidden source of blood loss, even when there are no other
            symptoms [1].

            ## How is it treated?

            Most people are advised to take one iron tablet a day [1, 2]. Side effects can
            include an upset stomach, constipation and dark stools. If the tablets are hard to
            take, your doctor may suggest taking them every other day or trying a different
            type [1]. Treatment usually carries on for about three months after your blood
            count is back to normal, to refill your iron stores [1, 2].

            Iron-rich foods, such as red meat, beans, lentils, dark green vegetables and
            fortified breakfast cereals, can help to stop iron running low again. Talk to your
            doctor if you feel unusually tired or breathless, and do not start iron tablets
            without advice, as they are not right for everyone.
            """
        ).strip(),
        "professional_summary": "",
        "professional_body": "",
        "references": [
            {
                "kind": "guideline",
                "title": (
                    "British Society of Gastroenterology guidelines for the management of iron "
                    "deficiency anaemia in adults"
                ),
                "source": "Gut",
                "year": 2021,
                "url": "",
                "doi": "10.1136/gutjnl-2021-325210",
                "pmid": "34497146",
            },
            {
                "kind": "guideline",
                "title": "Anaemia - iron deficiency",
                "source": "NICE Clinical Knowledge Summaries",
                "year": 2024,
                "url": "https://cks.nice.org.uk",
                "doi": "",
                "pmid": "",
            },
        ],
    },
    # ------------------------------------------------------------------ 6
    {
        "title": "How do asthma inhalers work?",
        "slug": "how-do-asthma-inhalers-work",
        "specialty": "respiratory-medicine",
        "summary": (
            "Asthma inhalers deliver medicine straight into your airways. Some quickly relieve "
            "symptoms by relaxing the muscles around the airways, while others contain a steroid "
            "that calms the swelling inside them over time. Many people now use one combination "
            "inhaler that does both jobs. Using the right technique matters as much as the "
            "medicine itself."
        ),
        "body": dedent(
            """\
            ## Relievers and preventers

            A reliever inhaler opens up the airways within minutes when you are wheezy,
            coughing or tight-chested. A preventer inhaler contains a low dose of a steroid
            medicine, which reduces the swelling and irritation inside your airways. It works
            slowly, so it helps most when used as your doctor or nurse has advised, even when
            you feel well.

            ## Combination inhalers

            Many people now use one inhaler that contains both a steroid and a fast-acting
            medicine called formoterol. Depending on your plan, you may use it only when you
            have symptoms, or every day with extra puffs when needed [1, 2]. Current advice is
            that adults and teenagers should not rely on a reliever alone without any steroid
            treatment, because this leaves the airway swelling untreated and raises the risk of
            serious attacks [2].

            ## Getting the most from your inhaler

            - Ask your nurse, doctor or pharmacist to check how you use your inhaler at every
              asthma review [1].
            - If you use a puffer-style inhaler, a spacer can help more of the medicine reach
              your lungs.
            - Rinse your mouth after using a steroid inhaler to lower the chance of a sore
              mouth or a hoarse voice.
            - Keep a written asthma action plan so you know what to do if your symptoms get
              worse [1].

            Get urgent help if your reliever is not helping, you are too breathless to speak,
            or your lips look blue or grey.
            """
        ).strip(),
        "professional_summary": "",
        "professional_body": "",
        "references": [
            {
                "kind": "guideline",
                "title": (
                    "Asthma: diagnosis, monitoring and chronic asthma management "
                    "(BTS, NICE, SIGN) (NG245)"
                ),
                "source": "National Institute for Health and Care Excellence (NICE)",
                "year": 2024,
                "url": "https://www.nice.org.uk/guidance/ng245",
                "doi": "",
                "pmid": "",
            },
            {
                "kind": "guideline",
                "title": "Global Strategy for Asthma Management and Prevention (2024 update)",
                "source": "Global Initiative for Asthma (GINA)",
                "year": 2024,
                "url": "https://ginasthma.org",
                "doi": "",
                "pmid": "",
            },
        ],
    },
    # ------------------------------------------------------------------ 7
    {
        "title": "Can better sleep habits help with insomnia?",
        "slug": "can-better-sleep-habits-help-with-insomnia",
        "specialty": "neurology",
        "summary": (
            "Simple changes to your daily routine and bedroom can make it easier to fall asleep "
            "and stay asleep. These habits, often called sleep hygiene, are a good place to start, "
            "although on their own they rarely cure long-term insomnia. If poor sleep lasts for "
            "weeks or affects your daytime life, talk to your doctor."
        ),
        "body": dedent(
            """\
            ## What is insomnia?

            Insomnia means having trouble getting to sleep, staying asleep or waking too early,
            and then feeling tired, irritable or low the next day. Short spells are common
            during stress or illness and often settle on their own. When it goes on for three
            months or more, it is called long-term or chronic insomnia.

            ## Habits that can help

            - Get up at the same time every day, including at weekends.
            - Only go to bed when you feel sleepy, and keep your bed for sleep rather than work
              or scrolling on your phone.
            - If you cannot sleep after what feels like 20 minutes, get up and do something
              calm in dim light, then go back to bed when you feel sleepy.
            - Cut down on caffeine after lunchtime, and do not use alcohol to help you sleep, as
              it makes sleep lighter later in the night.
            - Get some daylight and physical activity during the day, but avoid hard exercise
              close to bedtime.
            - Keep your bedroom dark, quiet and comfortably cool, and turn the clock away so you
              are not watching the time.
            - Avoid long naps, especially late in the afternoon.

            ## When to get help

            Talk to your doctor if poor sleep goes on for several weeks or affects your mood or
            work, or if someone notices that you snore loudly or stop breathing for short
            periods at night. For long-term insomnia, the treatment usually recommended first is
            a talking therapy called cognitive behavioural therapy for insomnia (CBT-I), which
            can be done in person or through a digital programme. Sleeping tablets are usually
            only used for a short time, if at all.
            """
        ).strip(),
        "professional_summary": "",
        "professional_body": "",
        "references": [],
    },
    # ------------------------------------------------------------------ 8
    {
        "title": "Should I have the shingles vaccine?",
        "slug": "should-i-have-the-shingles-vaccine",
        "specialty": "primary-care",
        "summary": (
            "For most people who are offered it, the shingles vaccine is a good idea. It greatly "
            "lowers the chance of getting shingles and of the long-lasting nerve pain that can "
            "follow it. The vaccine used in the UK is given as two injections a few months apart, "
            "and side effects are usually mild and short-lived."
        ),
        "body": dedent(
            """\
            ## Why shingles matters

            Shingles is caused by the same virus as chickenpox. After chickenpox, the virus
            stays quietly in the nerves and can become active again years later, causing a
            painful, blistering rash. The risk rises with age and in people whose immune system
            is weakened. Some people are left with nerve pain that lasts for months after the
            rash has gone, called postherpetic neuralgia.

            ## How well does the vaccine work?

            In two large trials, adults who had two doses of the non-live shingles vaccine were
            far less likely to get shingles than those who had a dummy injection. Protection was
            about 97% in people aged 50 and over [2] and about 90% in people aged 70 and
            over [3]. The vaccine also lowered the risk of long-lasting nerve pain [3].

            ## Who can have it, and what to expect

            In the UK, the vaccine is offered on the NHS to adults at certain ages and to people
            with a severely weakened immune system, and the groups who can have it are being
            widened in stages [1]. Because it does not contain live virus, it can be given to
            many people who cannot have live vaccines [1].

            Common side effects include a sore, red or swollen arm, tiredness, headache, aching
            muscles and shivering. These usually pass within two or three days. Your GP
            practice can tell you whether you are eligible and when to book.
            """
        ).strip(),
        "professional_summary": "",
        "professional_body": "",
        "references": [
            {
                "kind": "guideline",
                "title": "Shingles (herpes zoster): the green book, chapter 28a",
                "source": "UK Health Security Agency",
                "year": 2023,
                "url": "https://www.gov.uk",
                "doi": "",
                "pmid": "",
            },
            {
                "kind": "research",
                "title": "Efficacy of an adjuvanted herpes zoster subunit vaccine in older adults",
                "source": "New England Journal of Medicine",
                "year": 2015,
                "url": "",
                "doi": "",
                "pmid": "",
            },
            {
                "kind": "research",
                "title": "Efficacy of the herpes zoster subunit vaccine in adults 70 years of age or older",
                "source": "New England Journal of Medicine",
                "year": 2016,
                "url": "",
                "doi": "10.1056/NEJMoa1603800",
                "pmid": "",
            },
        ],
    },
]
