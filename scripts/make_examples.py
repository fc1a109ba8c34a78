"""Write the bundled example data that plain ``dsbuild`` builds (deterministic, stdlib only).

Run ``python scripts/make_examples.py``; it (re)writes, byte for byte the same every time:

* ``dsbuild/examples/doctor_qa.jsonl`` (UTF-8, keys question/reasoning/answer/department/lang):
  156 hand-written doctor Q&A items (78 zh + 78 en, 26 per department) + 40 planted defect rows
  = 196 lines. Base rows are ordered by a hash of the question; defect rows are spread through it.
* ``dsbuild/examples/doctor_qa_extra.csv`` (GB18030, header ``问题,思路,回答,科室``): 40 other
  Chinese items + 1 exact duplicate = 41 data rows; one answer is empty. Shows encoding detection
  and column mapping (one field holds ASCII commas, one a line break, both quoted by ``csv``).

Planted defects in doctor_qa.jsonl.
Extra rows, meant to be dropped (40):
    10  exact duplicates of an earlier row (all fields identical)
    10  near-duplicates of an earlier row: same question/reasoning/answer up to letter case,
        extra spaces, a trailing newline, "?" vs "？" and "，：" vs ",:" (collide under NFKC +
        case folding + punctuation/whitespace removal)
     8  answer empty or missing: 3 x "", 3 x whitespace only, 2 x key absent
     3  reasoning missing: 1 x key absent, 2 x null
     2  question empty: 1 x "", 1 x whitespace only
     2  one-character question ("?" and "嗯")
     2  absurdly long answer (> 20,000 chars: one paragraph repeated)
     1  absurdly long question (> 3,000 chars)
     2  blocklisted boilerplate answer ("As an AI language model ..." / "作为一个AI语言模型 ...")
Base rows edited in place, meant to be kept once normalized (18):
    10  zh rows mixing half-width , : ? ( ) with full-width ，：？（） in the same text
     4  en rows with full-width letters/digits ("ＢＰ", "１５０/９５", "３８.８℃", "ＬＤＬ", ...)
     4  rows whose answer carries stray HTML (<p>, <br/>, &nbsp;, &amp;)
"""

# ruff: noqa: E501  (the hand-written data lines are long by nature)

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "dsbuild" / "examples"
JSONL_PATH = OUT_DIR / "doctor_qa.jsonl"
CSV_PATH = OUT_DIR / "doctor_qa_extra.csv"

KEYS = ("question", "reasoning", "answer", "department", "lang")
DEPARTMENTS = (
    "internal_medicine",
    "pediatrics",
    "dermatology",
    "cardiology",
    "gastroenterology",
    "neurology",
)
CSV_HEADER = ("问题", "思路", "回答", "科室")

# --------------------------------------------------------------------------------------------------
# Hand-written items. One block per language; "@ department" starts a group, then Q:/R:/A: lines.
# In the CSV block a literal backslash-n stands for a line break inside the field.
# --------------------------------------------------------------------------------------------------

EN_DATA = r"""
@ internal_medicine
Q: I've had a runny nose and sore throat for three days. Do I need antibiotics?
R: Runny nose, sore throat and a short course point to a viral upper respiratory infection. Antibiotics do not act on viruses and add side effects. A bacterial complication would show as fever beyond 3-4 days, facial pain after initial improvement, or pus on the tonsils without cough. None is described, so supportive care fits.
A: This sounds like a common cold, which is viral, so antibiotics will not help. Rest, fluids, saline rinses or lozenges ease symptoms. See a doctor if fever lasts more than 3 days, you have trouble breathing, or symptoms worsen after 10 days.

Q: I feel tired all the time even after sleeping 8 hours. What could cause this?
R: Persistent fatigue despite enough sleep has many causes. Common treatable ones are anemia, an underactive thyroid, poor sleep quality such as sleep apnea, low mood and high blood sugar. Weight loss, night sweats or fever would be red flags. A basic blood panel is a reasonable first step.
A: Ongoing tiredness is worth checking, since anemia, thyroid problems, diabetes, sleep apnea or low mood are common causes. Ask your doctor for a blood count, thyroid test and glucose. Seek care sooner if you also have weight loss, fevers or night sweats.

Q: My fasting blood sugar was 6.4 mmol/L. Do I have diabetes?
R: A fasting glucose between 6.1 and 6.9 mmol/L falls in the prediabetes range; 7.0 or higher on two occasions defines diabetes. One reading is not enough for a diagnosis. An HbA1c or an oral glucose tolerance test clarifies the picture. Lifestyle change at this stage can prevent progression.
A: A fasting level of 6.4 mmol/L is above normal but below the diabetes threshold, so it suggests prediabetes. Your doctor may order an HbA1c test to confirm. Losing a little weight, staying active and cutting sugary drinks lowers your risk a lot.

Q: I get a burning feeling when I pee and need to go often. What should I do?
R: Burning on urination with frequency in an otherwise well woman is typical of a bladder infection. Fever, flank pain or vomiting would suggest the kidney is involved, which is more serious. Pregnancy, male sex or repeated episodes change management. A urine test confirms it and guides the antibiotic.
A: These are classic signs of a bladder infection, which usually needs a short course of antibiotics from a doctor. Drink plenty of water meanwhile. See a doctor promptly if you get fever, back or side pain, vomiting, or if you are pregnant.

Q: My big toe joint suddenly became red, hot and very painful overnight.
R: A sudden, intensely painful, red and swollen big toe joint is the classic picture of acute gout. Triggers include alcohol, red meat, dehydration and some diuretics. Infection of the joint is the key alternative and is more likely with fever or a wound nearby. Blood uric acid and sometimes joint fluid testing confirm it.
A: This is very typical of a gout attack. Rest and raise the foot, drink water and avoid alcohol; anti-inflammatory medicine from a doctor usually helps within days. Seek care urgently if you have a fever or feel unwell, as a joint infection must be ruled out.

Q: Is it normal to lose 6 kg in two months without trying?
R: Losing more than about 5% of body weight over 6-12 months without trying is significant. Causes include an overactive thyroid, uncontrolled diabetes, depression, bowel disease and cancer. Thirst, diarrhea, cough or night sweats help narrow it down. This needs a medical evaluation rather than reassurance.
A: Unintentional weight loss of this size is not normal and should be checked by a doctor soon. Blood tests for thyroid, blood sugar and blood count are usually the first step. Note any other symptoms, such as thirst, bowel changes or night sweats, to share at the visit.

Q: I have a dry cough that has lasted five weeks after a cold. Should I worry?
R: A cough lasting 3-8 weeks after a respiratory infection is often post-infectious and settles on its own. Other common causes of a lingering cough are postnasal drip, asthma, acid reflux and ACE inhibitor blood pressure pills. Coughing blood, weight loss, fever or breathlessness need prompt tests. Smokers deserve a lower threshold for a chest X-ray.
A: A cough lingering after a cold is common and usually fades within eight weeks. If it lasts longer, or you cough up blood, lose weight, have fever or get short of breath, see a doctor. Mention any blood pressure medicines you take.

Q: My doctor said my hemoglobin is low. What foods help with anemia?
R: The commonest anemia is iron deficiency, from low intake, heavy periods or slow blood loss from the gut. Diet helps, but the cause must be found, especially in men and post-menopausal women, where gut bleeding is a concern. Iron from meat is absorbed best, and vitamin C improves absorption from plants. Tea with meals reduces absorption.
A: Red meat, liver, beans, lentils and dark leafy greens are good iron sources, and vitamin C with them helps absorption. Avoid tea or coffee with meals. Ask your doctor what caused the anemia, since iron tablets and tests for blood loss may be needed.

Q: Should I take vitamin D supplements in winter?
R: Vitamin D is made in skin exposed to sunlight, which is weak in winter at higher latitudes. People with little sun exposure, darker skin, older age or indoor lives are at risk of deficiency. Modest daily doses are generally safe. Very high doses can be toxic, so testing helps before taking more than standard doses.
A: Many people benefit from a modest daily vitamin D dose in winter, especially if they spend little time outdoors. Doses of 400-1000 IU a day are generally safe for adults. Ask your doctor before taking high doses or if you have kidney disease.

Q: I have the flu with a fever of 39°C and body aches. When should I go to hospital?
R: High fever with body aches in flu season fits influenza. Most healthy adults recover in about a week with rest and fluids. Antivirals help most when started within 48 hours, especially for high-risk groups. Warning signs are breathing difficulty, chest pain, confusion, persistent vomiting, or a fever that returns after improving.
A: Rest, drink fluids and use paracetamol for fever and aches. Contact a doctor early if you are over 65, pregnant or have a chronic illness, as antivirals work best within 48 hours. Go to hospital for trouble breathing, chest pain, confusion or if you cannot keep fluids down.

Q: The front of my neck looks swollen and I feel anxious and shaky. Could it be my thyroid?
R: Swelling at the front of the neck suggests an enlarged thyroid gland. With anxiety, tremor, palpitations or weight loss, an overactive thyroid such as Graves disease is likely. TSH and free T4 blood tests confirm the function, and an ultrasound shows the structure. A very fast heartbeat or chest pain needs urgent review.
A: Yes, a swollen thyroid with shakiness and anxiety can point to an overactive thyroid. A blood test (TSH and T4) and an ultrasound can confirm it, and it is treatable. See a doctor soon, and urgently if you have a very fast heartbeat, chest pain or fainting.

Q: How much water should I drink each day?
R: Fluid needs vary with body size, climate, activity and health. For most healthy adults, drinking to thirst and keeping urine pale yellow is a reliable guide. People with heart failure or kidney disease may be told to limit fluids. Hot weather and exercise raise the need.
A: For most healthy adults about 1.5-2 liters a day is enough, and pale yellow urine means you are drinking well. Drink more in hot weather or during exercise. If you have heart or kidney disease, follow your doctor's fluid advice instead.

Q: I sneeze and have an itchy nose every spring. Is it allergies?
R: Sneezing, an itchy nose and watery eyes every spring strongly suggest allergic rhinitis from pollen. Infections do not follow a yearly pattern and often bring fever. Non-drowsy antihistamines and steroid nasal sprays work well. Wheezing or chest tightness could mean asthma as well.
A: This pattern is typical of hay fever. A non-drowsy antihistamine or a steroid nasal spray, started before the season, usually helps. See a doctor if over-the-counter treatment fails or if you notice wheezing or shortness of breath.

@ pediatrics
Q: My 2-year-old has a fever of 38.8°C but is playing normally. Should I worry?
R: In a toddler, fever with normal play, drinking and alertness is reassuring and usually means a viral infection. How the child behaves matters more than the number. Warning signs are lethargy, a rash that does not fade when pressed, fast breathing, dehydration, or fever beyond 3 days. Fever medicine is for comfort, not for reaching a target temperature.
A: A child who plays and drinks well is usually not seriously ill. Give weight-based paracetamol or ibuprofen if they seem uncomfortable, and offer fluids. See a doctor if fever lasts over 3 days or the child is drowsy, breathes fast, has a non-fading rash or few wet diapers.

Q: My baby is 6 weeks old and has a temperature of 38.2°C. What should I do?
R: Any fever of 38°C or higher in a baby under 3 months is treated as a possible serious bacterial infection. Young infants show few specific signs and can get worse quickly. They need prompt examination, often with blood and urine tests. Fever medicine at home should not delay that.
A: A fever in a baby under 3 months needs to be checked by a doctor right away, even if the baby seems fine. Please take your baby to urgent care or the emergency department now. Do not give medicine before speaking to a doctor.

Q: My son had a seizure during a high fever. Is he going to have epilepsy?
R: Brief whole-body seizures with fever in children aged 6 months to 5 years are usually simple febrile seizures. They are common, do not damage the brain, and most children never develop epilepsy. Seizures longer than 15 minutes, one-sided jerking or repeated seizures in one illness need more assessment. A first episode should always be seen by a doctor.
A: A simple febrile seizure is frightening but usually harmless, and most children never develop epilepsy. A doctor should examine him after a first seizure to find the cause of the fever. Call emergency services if a seizure lasts over 5 minutes or he does not wake up normally.

Q: My toddler has a barking cough and noisy breathing at night.
R: A barking, seal-like cough with noisy breathing in a toddler, worse at night, is typical of croup, which is usually viral. Mild cases settle at home. Noisy breathing at rest, the chest pulling in, drooling or a blue color signal a narrowed airway that needs urgent care. A single steroid dose from a doctor often helps.
A: This sounds like croup, which is common and often mild. Keep your child calm and upright, and see a doctor, who may give a steroid dose. Go to the emergency department if noisy breathing happens at rest, the chest pulls in, or your child drools or looks pale or blue.

Q: My 4-year-old has blisters in his mouth and on his hands and feet.
R: Mouth sores with blisters on the palms and soles of a young child are classic hand, foot and mouth disease from enteroviruses. It is usually mild and clears in 7-10 days. The main risk is dehydration, because mouth sores make drinking painful. Rare complications show as lethargy, jerking movements or repeated vomiting.
A: This looks like hand, foot and mouth disease, which usually clears by itself in a week or so. Give cold drinks, soft foods and pain relief if needed. See a doctor if he drinks very little, is unusually sleepy, has jerky movements, vomits repeatedly, or has fever over 3 days.

Q: My baby pulls at her ear and cries at night after a cold.
R: Ear pulling, night crying and a recent cold suggest a middle ear infection. Many cases settle in 2-3 days without antibiotics, and pain control comes first. Age under 6 months, high fever, ear discharge or symptoms beyond 48-72 hours favor antibiotics. Swelling behind the ear is a red flag.
A: An ear infection is likely after a cold. Weight-based paracetamol or ibuprofen often helps while it settles. See a doctor to check the ear, especially if she is under 6 months, has high fever, ear discharge, swelling behind the ear, or is not better in 2 days.

Q: My 3-year-old only poops every 4 days and it hurts him.
R: Infrequent, painful stools in a preschooler are usually functional constipation, often from holding in stool after one painful passage. Low fiber and fluid intake add to it. Red flags are constipation since birth, poor growth, vomiting, a swollen belly or leg weakness. Stool softeners plus a regular toilet time break the cycle for most children.
A: This is common childhood constipation. Offer more water, fruit and vegetables, and a relaxed toilet time after meals. A doctor can recommend a safe stool softener. See a doctor soon if he vomits, has a swollen belly, blood in the stool, or is not growing well.

Q: Is it normal for my 9-month-old to drool and chew everything while teething?
R: Drooling, chewing and mild fussiness are normal with teething, which usually starts around 6 months. Teething does not cause high fever, diarrhea or real illness. Blaming such symptoms on teething can delay finding an infection. Cold teething rings and gentle gum massage are safe comfort measures.
A: Yes, drooling and chewing are normal teething behaviors. A chilled teething ring or gentle gum rubbing helps; avoid benzocaine gels and amber necklaces. If your baby has a fever above 38°C or diarrhea, don't blame teething and see a doctor.

Q: My 7-year-old still wets the bed. Is something wrong?
R: Bedwetting is common up to about age 7 and often runs in families. It comes from deep sleep, a smaller bladder or more urine made at night. Daytime wetting, pain, heavy thirst or new wetting after months of being dry suggest another cause, such as infection or diabetes. Blame makes it worse.
A: Bedwetting at 7 is common and usually outgrown. Limit drinks in the evening, have your child pee before bed and avoid punishment. See a doctor if there is daytime wetting, pain when peeing, heavy thirst, or wetting that restarts after months of being dry.

Q: My baby spits up a little after every feed but is gaining weight well.
R: Small, effortless spit-ups in a thriving baby are typical infant reflux, from an immature valve between stomach and esophagus. It peaks around 4 months and usually settles by 12 months. Forceful vomiting, green or bloody vomit, poor weight gain or refusing feeds are concerning. Projectile vomiting in the first weeks can mean pyloric stenosis.
A: Spitting up in a baby who grows well is usually normal reflux and improves with time. Keep your baby upright for a while after feeds and avoid overfeeding. See a doctor urgently for green or bloody vomit, forceful vomiting, poor weight gain or fewer wet diapers.

Q: My 18-month-old has a fever after her vaccinations yesterday.
R: Low fever and fussiness within 1-2 days of routine vaccines are common, expected reactions that last a day or two. Some vaccines, such as MMR, can cause fever 7-12 days later. Very high fever, inconsolable crying, a seizure or signs of allergy are not typical. Fever beyond 48 hours should be checked for another cause.
A: Mild fever the day after vaccines is a common reaction and usually settles within 48 hours. You can give weight-based paracetamol and extra fluids. See a doctor if the fever is above 39°C, lasts over 2 days, or she becomes very drowsy, struggles to breathe or has a seizure.

Q: My newborn's skin and eyes look yellow at 4 days old.
R: Yellow skin in the first week is usually physiological jaundice, appearing on day 2-4 and peaking around day 3-5. Jaundice in the first 24 hours, rapidly deepening yellow, poor feeding, sleepiness, pale stools or dark urine suggest a more serious cause. Bilirubin is checked with a skin or blood test. High levels need light therapy to protect the brain.
A: Mild yellowing at this age is common, but a doctor or midwife should check it today with a simple bilirubin test. Feed often to help clear it. Seek urgent care if your baby is very sleepy, feeding poorly, or has pale stools or dark urine.

Q: My 10-month-old has had diarrhea for two days. How do I know if she's dehydrated?
R: Viral gastroenteritis is the most common cause of diarrhea in infants. The main danger is dehydration, which develops faster in small children. Signs are fewer wet diapers, a dry mouth, no tears, sunken eyes or soft spot, and unusual sleepiness. Oral rehydration solution in small, frequent sips is the core of treatment.
A: Watch for fewer wet diapers, dry lips, no tears, sunken eyes or unusual sleepiness. Keep breastfeeding or formula and give oral rehydration solution in small sips often. See a doctor promptly if she shows any of these signs, has blood in the stool or vomits everything.

@ dermatology
Q: My skin gets dry, itchy patches on the inside of my elbows every winter.
R: Itchy, dry patches in skin folds such as the inner elbows, worse in winter, are typical of atopic eczema. Dry air and hot showers strip the skin barrier. A thick moisturizer used every day is the foundation, with short courses of steroid cream for flares. Weeping, crusting or pain suggest infection.
A: This sounds like eczema. Use a fragrance-free thick moisturizer twice daily, take short lukewarm showers and wear soft fabrics. A mild steroid cream from a doctor can calm flares. See a doctor if patches weep, crust, become painful or do not improve in two weeks.

Q: I'm 25 and still get painful acne on my jaw. What can I do?
R: Adult acne along the jawline is common, especially in women, and is often hormonal. Deep, painful nodules carry a higher risk of scarring. First-line options are topical retinoids and benzoyl peroxide; hormonal or oral treatment may be needed for persistent cases. Picking makes scarring worse.
A: Jawline acne in adults is common and treatable. Try a gentle cleanser with benzoyl peroxide or adapalene gel, and avoid picking. If you get deep painful lumps or scars, see a dermatologist, as prescription treatments work well.

Q: I suddenly got itchy raised welts all over after eating shrimp.
R: Itchy raised welts soon after a food are hives, likely an allergic reaction to the shrimp. Hives alone usually respond to antihistamines. The crucial step is checking for anaphylaxis: lip or tongue swelling, throat tightness, breathing difficulty, vomiting or dizziness. These need emergency treatment with epinephrine.
A: This is likely an allergic reaction causing hives, and a non-drowsy antihistamine can ease the itch. Call emergency services at once if your lips or tongue swell, you struggle to breathe or swallow, or feel faint. Avoid shrimp and ask your doctor about allergy testing.

Q: I have thick, silvery scaly patches on my elbows and knees.
R: Well-defined red plaques with silvery scale on the elbows and knees are characteristic of psoriasis, an immune-driven condition. It can also affect the scalp and nails, and some people develop joint pain, called psoriatic arthritis. Treatment ranges from steroid and vitamin D creams to light therapy and tablets or injections. It is not contagious.
A: This sounds like psoriasis, which is common, not contagious and can be controlled. Moisturizers and prescription creams help mild cases, and a dermatologist can offer stronger options. Mention any joint pain or stiffness to your doctor, as it can be linked.

Q: The skin between my toes is white, cracked and itchy.
R: White, soggy, itchy cracks between the toes are typical of athlete's foot, a fungal infection favored by warmth and moisture. It spreads in shared showers and through shoes. Antifungal creams for 2-4 weeks usually cure it. In people with diabetes, cracks can let bacteria in and cause cellulitis.
A: This is most likely athlete's foot. Use an antifungal cream until a week or two after the itch is gone, dry between the toes carefully and change socks daily. See a doctor if redness spreads, the foot swells or hurts, or if you have diabetes.

Q: One of my moles has become darker and its edge looks irregular.
R: A change in a mole's color, shape or border is a warning sign for melanoma. The ABCDE checklist covers asymmetry, border, color variation, diameter over 6 mm and evolution. Most changing moles are benign, but only an examination, sometimes with removal, can tell. Found early, melanoma is highly curable.
A: A mole that changes color or shape should be checked by a doctor or dermatologist soon. Most turn out harmless, but early checks matter. Don't try to remove it yourself. Protect your skin from the sun and photograph the mole to track changes.

Q: I have a painful band of blisters on one side of my back.
R: A painful blistering rash in a band on one side of the body is typical of shingles, a reactivation of the chickenpox virus. Antivirals work best within 72 hours of the rash and reduce the risk of lasting nerve pain. A rash near the eye or tip of the nose, or a weak immune system, needs urgent care. The blisters can give chickenpox to people who never had it.
A: This sounds like shingles. See a doctor within 3 days if you can, as antiviral tablets work best early. Keep the rash covered and avoid pregnant women and newborns until the blisters crust. Seek urgent care if the rash is near your eye.

Q: I got a red itchy rash where my new watch strap touches my skin.
R: A rash exactly where an object touches the skin suggests allergic contact dermatitis, often from nickel in metal buckles. It appears 1-2 days after contact and clears when the trigger is avoided. A mild steroid cream helps. Patch testing can confirm the allergen if it keeps coming back.
A: This is likely contact dermatitis, commonly caused by nickel. Stop wearing the strap or cover the metal, and use a mild hydrocortisone cream for a few days. See a doctor if it spreads, blisters or does not improve within a week.

Q: My face flushes easily and I have small red bumps on my cheeks.
R: Facial flushing with lasting redness and small bumps on the cheeks in an adult suggests rosacea. Triggers include heat, alcohol, spicy food, sun and stress. Unlike acne, there are usually no blackheads. Creams and avoiding triggers help, and some people get gritty, irritated eyes.
A: This sounds like rosacea. Note and avoid your triggers, such as alcohol, spicy food or heat, and use daily sunscreen and gentle skincare. A doctor can prescribe creams that reduce redness and bumps. Mention any gritty or sore eyes.

Q: I've been losing more hair than usual since I had COVID three months ago.
R: Diffuse shedding 2-3 months after a fever, illness, surgery or major stress is typical of telogen effluvium. Many hair follicles enter the resting phase at once and then shed together. It usually recovers within about 6 months. Bald patches, a scaly scalp or ongoing loss suggest other causes, such as alopecia areata or thyroid disease.
A: Hair shedding a few months after an illness is common and usually regrows within about six months. Eat enough protein and be gentle with your hair. See a doctor if you notice bald patches, the shedding lasts beyond six months, or you have other symptoms like fatigue.

Q: I burned my shoulders at the beach and now they are blistering.
R: Blistering after sun exposure means a second-degree sunburn. Cool compresses, moisturizer and pain relief help, and blisters should be left intact to lower the risk of infection. Extensive blistering, fever, chills, confusion or dehydration suggest a severe burn or heat illness that needs care. Prevention from now on lowers skin cancer risk.
A: Cool the skin with damp cloths, apply aloe or moisturizer, drink fluids and take ibuprofen for pain. Don't pop the blisters. See a doctor if blisters cover a large area, or you have fever, chills, dizziness or signs of infection.

Q: My whole family has intense itching at night, especially between the fingers.
R: Intense night-time itching in several household members, with spots between the fingers, strongly suggests scabies, a mite infestation. It spreads through close skin contact. Everyone in the home should be treated at the same time with a prescribed cream, and bedding washed hot. Itching may last for weeks after successful treatment.
A: This sounds like scabies, which is common and treatable. See a doctor for a prescription cream, and treat everyone in the home at the same time. Wash bedding and clothes in hot water. Some itching can continue for a few weeks after treatment.

Q: I have a small rough bump on my finger that won't go away. Is it a wart?
R: A small, rough, skin-colored bump on a finger that persists is most likely a common wart caused by HPV. Many clear on their own within 1-2 years. Salicylic acid or freezing can speed removal. A bump that bleeds, grows fast or changes color should be examined.
A: It is likely a common wart. Salicylic acid applied daily can help, or a doctor can freeze it. See a doctor if it bleeds, grows quickly, changes color, or if you have diabetes or a weak immune system.

@ cardiology
Q: My blood pressure reading at home was 150/95. Is that dangerous?
R: One reading of 150/95 is high, but a single measurement does not make a diagnosis. Readings should be repeated on several days, seated and rested. Very high values with headache, chest pain, breathlessness, weakness or vision changes would be an emergency. Home averages above 135/85 usually call for a treatment discussion.
A: One high reading is not an emergency if you feel well, but it needs follow-up. Measure twice each morning and evening for a week, seated after 5 minutes' rest, and show the log to your doctor. Seek urgent care for chest pain, severe headache, weakness or vision changes.

Q: I'm 55 and had chest pressure while climbing stairs that went away with rest.
R: Chest pressure brought on by exertion and relieved by rest in a middle-aged person is typical of stable angina from narrowed heart arteries. It warns of a possible future heart attack. Pain at rest, lasting over 15 minutes, or with sweating or breathlessness suggests an acute coronary syndrome. Prompt cardiology assessment is needed.
A: Chest pressure with exertion that eases with rest can be a sign of heart disease and should be checked by a doctor within days. Avoid heavy exertion until then. Call emergency services at once if the pain comes at rest, lasts over 15 minutes, or comes with sweating, nausea or breathlessness.

Q: Sometimes my heart skips a beat or flutters. Is that dangerous?
R: Brief skipped beats are usually ectopic beats, which are common and mostly harmless, triggered by caffeine, alcohol, stress or poor sleep. Sustained fast, irregular palpitations may suggest atrial fibrillation. Palpitations with fainting, chest pain or breathlessness, or in someone with heart disease, need prompt evaluation. An ECG and sometimes a monitor are used.
A: Occasional skipped beats are usually harmless extra beats. Cut back on caffeine and alcohol and improve your sleep. See a doctor for an ECG if they are frequent, last minutes or feel irregular, and seek urgent care if you faint, have chest pain or get short of breath.

Q: My ankles swell by the end of the day. Could it be my heart?
R: Ankle swelling at day's end often comes from long standing, vein problems, heat or medicines such as amlodipine. Heart failure causes swelling together with breathlessness on exertion, needing more pillows at night and weight gain. One-sided swelling with pain raises concern for a clot. Kidney and liver disease are other causes.
A: Evening ankle swelling is often harmless, but a doctor should check it, especially if you take blood pressure tablets. Raise your legs and move around regularly. See a doctor promptly if you also get short of breath, need extra pillows at night, or one leg is swollen and painful.

Q: I had a stent put in last year. Can I stop taking aspirin now?
R: After a coronary stent, aspirin is usually taken long term to prevent heart attacks and stent blockage. A second antiplatelet drug is often stopped after 6-12 months, but aspirin usually continues. Stopping suddenly raises the risk of clotting. Any change should be agreed with the cardiologist, especially before surgery or dental work.
A: Please don't stop aspirin on your own. After a stent, aspirin is usually continued for life to protect your heart. If you have bleeding, stomach pain or an upcoming procedure, talk to your cardiologist first about what is safe.

Q: I fainted while standing in a hot, crowded room. Should I see a cardiologist?
R: Fainting after long standing in heat, with warning signs like nausea, warmth or tunnel vision, is usually a vasovagal faint, which is benign. Fainting during exercise, while lying down, without warning, or with palpitations or chest pain suggests a heart cause. A family history of sudden death is also a red flag. An ECG is advised after any faint.
A: Fainting in a hot, crowded place is usually a harmless reflex faint. Still, see a doctor for a check and an ECG. Seek urgent care if you fainted during exercise, had chest pain or palpitations beforehand, or have a family history of sudden death.

Q: How should I measure my blood pressure at home correctly?
R: Home readings are only reliable with good technique. The cuff should fit the upper arm at heart level, with the person seated, back supported and feet flat, after 5 minutes of rest. Caffeine, smoking and exercise should be avoided for 30 minutes before. Two readings a minute apart, averaged, give a truer picture.
A: Sit quietly for 5 minutes with your back supported, feet flat and arm resting at heart level, using a cuff that fits. Avoid caffeine, smoking and exercise for 30 minutes before. Take two readings a minute apart, morning and evening, and record them for your doctor.

Q: I was diagnosed with atrial fibrillation. Why do I need a blood thinner?
R: In atrial fibrillation the upper heart chambers quiver, so clots can form and travel to the brain, causing a stroke. Stroke risk is estimated from age, blood pressure, diabetes, prior stroke and heart failure. For most people with risk factors, anticoagulants greatly reduce stroke risk. Bleeding risk is weighed against this.
A: Atrial fibrillation lets clots form in the heart, which may cause a stroke, and blood thinners greatly lower that risk. Your doctor weighs your stroke and bleeding risks to decide. Take it as prescribed and report unusual bleeding, black stools or a severe headache.

Q: How much salt can I eat if I have high blood pressure?
R: Salt raises blood pressure in many people, and eating less lowers readings within weeks. Guidelines suggest less than about 5 g of salt a day. Most salt comes from processed food, bread and sauces rather than the salt shaker. Potassium-rich fruit and vegetables help further, unless kidney disease limits potassium.
A: Aim for less than 5 g of salt a day, about one teaspoon in total. Cut down on processed food, instant noodles, pickles and sauces, and check labels. Eat more fresh vegetables and fruit; if you have kidney disease, ask your doctor about potassium first.

Q: I get short of breath lying flat and my legs are swollen. What is happening?
R: Breathlessness when lying flat plus leg swelling suggests fluid overload, most often from heart failure. Other clues are waking up breathless at night, rapid weight gain and tiredness. This needs prompt assessment with an examination, ECG, blood tests and a heart ultrasound. Breathlessness at rest or chest pain is an emergency.
A: These symptoms can be a sign of heart failure and need a doctor's check within a day or two. Weigh yourself daily and note any rapid gain. Seek emergency care if you are breathless at rest, have chest pain, or cough up pink frothy sputum.

Q: Is it safe to exercise after a heart attack?
R: Regular exercise after a heart attack improves survival and quality of life. It should start gently, ideally in a supervised cardiac rehabilitation program planned after an exercise test. Warning symptoms during activity are chest pain, severe breathlessness, dizziness or palpitations. Heavy lifting and competitive sport need specific clearance.
A: Yes, exercise is good for your heart, but start gently and build up, ideally through a cardiac rehabilitation program. Walking is a great start. Stop and seek help if you get chest pain, dizziness, palpitations or unusual breathlessness during activity.

Q: My LDL cholesterol is 4.5 mmol/L but I feel fine. Do I need a statin?
R: LDL cholesterol causes no symptoms but speeds up artery narrowing over years. Whether to treat depends on total cardiovascular risk: age, blood pressure, smoking, diabetes and family history. An LDL of 4.5 is clearly raised, and lifestyle change is essential. Very high levels or early heart disease in relatives may point to familial hypercholesterolemia.
A: High cholesterol has no symptoms but raises heart attack and stroke risk. Your doctor will calculate your overall risk to decide about a statin. Meanwhile, eat less saturated fat, stay active and don't smoke. Mention any relatives with early heart disease.

Q: I'm 40 and had sudden crushing chest pain with sweating 20 minutes ago.
R: Sudden crushing chest pain with sweating lasting over 15 minutes is a possible heart attack until proven otherwise, even at 40. The time to treatment decides how much heart muscle is saved. Other emergencies, such as aortic dissection or a lung clot, can look the same. This is not a situation for watching at home.
A: Call emergency services right now; this could be a heart attack. Do not drive yourself. If you are not allergic to aspirin and have no bleeding problem, chew one adult aspirin while you wait, and stay still until help arrives.

@ gastroenterology
Q: I get heartburn after dinner, especially when I lie down.
R: Burning behind the breastbone after meals and on lying down is typical of acid reflux. Large late meals, fatty food, alcohol, coffee and excess weight make it worse. Trouble swallowing, vomiting blood, black stools, weight loss or onset after 50 are alarm features that call for endoscopy. Chest pain on exertion should not be assumed to be reflux.
A: This sounds like acid reflux. Eat a smaller dinner at least 3 hours before bed, raise the head of the bed, and limit alcohol, coffee and fatty food. See a doctor if it lasts beyond a few weeks, or if you have trouble swallowing, weight loss or black stools.

Q: I alternate between diarrhea and constipation with bloating, and my tests were normal.
R: Recurrent belly pain with changing bowel habits and bloating, with normal tests, fits irritable bowel syndrome. It is a disorder of gut-brain interaction, often set off by stress and certain foods. A low-FODMAP diet, adjusting fiber and managing stress help many people. Bleeding, weight loss, night-time symptoms or onset after 50 need more tests.
A: This pattern fits irritable bowel syndrome, which is uncomfortable but not dangerous. Keep a food diary, cut down gas-producing foods and manage stress. See your doctor again if you notice blood in the stool, weight loss, symptoms that wake you, or bowel cancer in the family.

Q: I noticed bright red blood on the toilet paper after a hard stool.
R: Bright red blood on the paper after straining usually comes from hemorrhoids or a small anal tear. A tear typically causes sharp pain while passing stool. Rectal bleeding can also come from polyps or cancer, especially over 45, with a change in bowel habit, dark blood mixed in the stool, or anemia. An examination is the safe way to be sure.
A: This is often from hemorrhoids or a small tear caused by hard stools. Eat more fiber, drink water and avoid straining. Still, see a doctor to confirm the cause, especially if you are over 45, the bleeding continues, or your bowel habits or weight change.

Q: I tested positive for H. pylori. Do I really need treatment?
R: This stomach bacterium causes gastritis and peptic ulcers and raises the risk of stomach cancer. Guidelines recommend treating everyone who tests positive. Treatment combines acid suppression with two or more antibiotics for 10-14 days. A follow-up test confirms that it is gone.
A: Yes, treatment is generally recommended, since it prevents ulcers and lowers stomach cancer risk. You will take a combination of medicines for 1-2 weeks; finish the full course. A breath or stool test at least 4 weeks later confirms the infection is gone.

Q: My ultrasound shows fatty liver. Is that serious?
R: Fatty liver is very common and mostly linked to excess weight, insulin resistance and alcohol. Most people have simple fat without damage, but some develop inflammation and scarring over years. Liver blood tests and a fibrosis assessment estimate the stage. Losing 7-10% of body weight can reverse the fat and inflammation.
A: Fatty liver is common and often reversible. Losing 7-10% of your weight, regular exercise and limiting alcohol and sugary drinks help most. Your doctor may check liver blood tests and scarring. See a doctor if you notice yellow skin, a swollen belly or dark urine.

Q: I get pain under my right ribs after fatty meals.
R: Pain in the upper right belly after fatty meals suggests biliary colic from gallstones. Pain lasting hours, fever or yellow skin suggest complications such as an inflamed gallbladder or a stone blocking the bile duct. An ultrasound is the key test. Repeated attacks usually lead to removal of the gallbladder.
A: This may be caused by gallstones, and an abdominal ultrasound can confirm it. Cutting down fatty meals may reduce attacks. See a doctor soon, and go to the emergency department if the pain lasts more than a few hours or comes with fever, vomiting or yellow skin.

Q: I've had diarrhea for 2 days after eating at a restaurant.
R: Acute diarrhea after a restaurant meal is usually food poisoning or viral gastroenteritis and settles in a few days. The main risk is dehydration. Bloody stool, high fever, severe belly pain, symptoms beyond 3 days or signs of dehydration need a medical review. Anti-diarrhea drugs are best avoided when there is blood or fever.
A: Most food-related diarrhea clears within a few days. Drink plenty of fluids, ideally an oral rehydration solution, and eat light food. See a doctor if you see blood, have a high fever or severe pain, feel dizzy, or it lasts more than 3 days.

Q: I take ibuprofen daily for back pain and now have stomach pain.
R: Regular anti-inflammatory drugs like ibuprofen weaken the stomach's protective lining and can cause gastritis or peptic ulcers. The risk rises with age, higher doses, alcohol and blood thinners. Black tarry stools or vomiting blood signal bleeding, which is an emergency. Options include stopping the drug, other pain relief and adding stomach protection.
A: Daily ibuprofen can irritate the stomach and cause ulcers. Talk to your doctor about other pain relief or adding a stomach-protecting medicine. Seek emergency care if you have black tarry stools, vomit blood or coffee-ground material, or feel faint.

Q: I feel bloated and gassy after drinking milk.
R: Bloating, gas and loose stools after dairy suggest lactose intolerance, which is common in adults, especially of East Asian descent. It is a reduced ability to digest milk sugar and is not dangerous. Improvement when dairy is cut back supports it. Weight loss, bleeding or persistent diarrhea suggest another condition, such as celiac or inflammatory bowel disease.
A: This is often lactose intolerance. Try lactose-free milk, yogurt or hard cheese, which are easier to digest, and see if symptoms improve. See a doctor if you also have weight loss, blood in the stool or ongoing diarrhea.

Q: I'm 50. Do I need a colonoscopy if I have no symptoms?
R: Bowel cancer usually grows slowly from polyps that cause no symptoms. Screening from age 45-50 finds and removes polyps and reduces cancer deaths. Options include a colonoscopy every 10 years or stool tests every 1-2 years. Bowel cancer in close relatives may mean starting earlier.
A: Yes, screening is recommended at your age even without symptoms. A colonoscopy every 10 years or a yearly stool test are common options, and your doctor can help choose. If a close relative had bowel cancer, tell your doctor, as you may need it sooner.

Q: I've been constipated for weeks. What can I do?
R: Chronic constipation is often due to low fiber, little fluid, inactivity or medicines such as iron or opioids. An underactive thyroid can add to it. Alarm signs are bleeding, weight loss, a new change after 50 or severe pain. Fiber, fluid and activity come first, and osmotic laxatives are safe if needed.
A: Increase fiber gradually with vegetables, fruit and whole grains, drink enough water and stay active. A regular toilet routine after breakfast helps. See a doctor if this is a new change after 50, or you have blood in the stool, weight loss or severe pain.

Q: I have severe pain that started around my belly button and moved to the lower right side.
R: Pain that begins around the navel and moves to the lower right belly is the classic pattern of appendicitis. Nausea, loss of appetite and a low fever often come with it. Pain that worsens on walking or coughing supports it. Appendicitis needs a surgical assessment, and delay risks rupture.
A: This pattern can be appendicitis, which needs urgent care. Go to the emergency department now. Do not eat, drink, or take strong painkillers or laxatives until a doctor has seen you.

Q: My stool has been black and sticky for two days.
R: Black, tarry, sticky stool suggests bleeding from the upper gut, such as a stomach ulcer. Iron tablets and bismuth also darken stool, but it is usually not sticky. Dizziness, a fast heartbeat or fainting mean significant blood loss. This needs same-day medical assessment.
A: Black, sticky stools can mean bleeding in the stomach or upper gut and need medical care today. If you take iron or bismuth, mention it. Go to the emergency department at once if you feel dizzy or faint, have a fast heartbeat or vomit blood.

@ neurology
Q: I get throbbing headaches on one side with nausea and light sensitivity.
R: Recurrent one-sided throbbing headache with nausea and light sensitivity, lasting hours, is typical of migraine. Triggers include lack of sleep, stress, skipped meals and hormonal changes. Red flags are a sudden worst-ever headache, fever with a stiff neck, weakness or a new headache after 50. A headache diary helps find triggers.
A: This sounds like migraine. Rest in a dark, quiet room and take pain relief early in an attack. Keep a headache diary to find triggers. See a doctor if attacks are frequent, and get emergency care for a sudden severe headache, weakness, confusion or a stiff neck with fever.

Q: I had a sudden, explosive headache that is the worst of my life.
R: A sudden severe headache that peaks within a minute, a thunderclap headache, can mean bleeding around the brain, such as a subarachnoid hemorrhage. This must be excluded urgently with brain imaging. Neck stiffness, vomiting, confusion or collapse add to the concern. Waiting to see if it improves is unsafe.
A: A sudden worst-ever headache is a medical emergency. Call emergency services or go to the emergency department now. Do not drive yourself and do not wait to see if it goes away.

Q: My father's face suddenly drooped and his speech is slurred.
R: Sudden facial droop and slurred speech are key stroke signs (FAST: face, arms, speech, time). Clot-dissolving treatment or clot removal is only possible within hours of onset. Noting the time the symptoms started is crucial. It is an emergency even if the symptoms improve.
A: These are signs of a stroke. Call emergency services immediately and note the time the symptoms started. Do not give him food, drink or medicines. Even if the symptoms improve, he still needs emergency assessment.

Q: The room spins for a few seconds when I turn over in bed.
R: Brief spinning vertigo set off by head movements such as turning in bed is typical of benign paroxysmal positional vertigo, caused by loose crystals in the inner ear. It is harmless and treatable with repositioning maneuvers. Vertigo with double vision, slurred speech, weakness or inability to walk suggests a brain cause. Hearing loss points to another inner ear disorder.
A: This sounds like BPPV, a common and harmless inner ear problem. A doctor or physiotherapist can do a simple head maneuver that often fixes it. Seek emergency care if you have double vision, trouble speaking, weakness or cannot walk.

Q: My hands tingle and go numb at night, waking me up.
R: Night-time tingling and numbness in the thumb, index and middle fingers that wakes a person is typical of carpal tunnel syndrome. It is more common with repetitive wrist use, pregnancy, diabetes and an underactive thyroid. Shaking the hand often relieves it. Night splints help, and lasting weakness needs assessment.
A: This is often carpal tunnel syndrome. A wrist splint at night and breaks from repetitive hand work can help. See a doctor if it persists, you notice weakness or drop things, or the numbness spreads beyond the hand.

Q: I get a tight, band-like headache in the afternoon after computer work.
R: A pressing, band-like headache on both sides, without nausea and worse after long screen time, is typical of tension-type headache. Posture, eye strain, stress and too little water contribute. Taking painkillers on more than 10-15 days a month can cause rebound headaches. New, progressive or neurological symptoms would change the picture.
A: This sounds like a tension-type headache. Take regular breaks, fix your posture and screen height, drink water and stretch your neck. Avoid painkillers on more than a few days a week. See a doctor if headaches worsen, wake you at night or come with other symptoms.

Q: My hands shake slightly when I hold a cup, and my mother had the same.
R: A tremor when holding objects that runs in the family is typical of essential tremor. It worsens with stress and caffeine and may ease with a little alcohol. Parkinson's tremor is usually at rest, one-sided, with slowness and stiffness. A neurological examination tells them apart, and treatment exists if it affects daily life.
A: This sounds like essential tremor, which is common and often runs in families. Cutting caffeine and stress may help. See a neurologist to confirm, especially if the shaking happens at rest, is on one side, or you notice stiffness or slowness.

Q: I keep forgetting names and where I put my keys. Is it dementia?
R: Occasionally forgetting names or objects is common and often linked to stress, poor sleep, low mood or multitasking. Dementia is a progressive decline that affects daily function, such as getting lost in familiar places or trouble handling money. Thyroid problems, low B12 and some medicines can also affect memory. Concern from family carries weight.
A: Occasional forgetfulness is common and usually not dementia, especially if daily life is unaffected. Improve sleep, manage stress and stay active. See a doctor if memory problems are getting worse, affect daily tasks, or worry your family; simple tests check for treatable causes.

Q: I woke up and one side of my face is weak; I can't close my eye.
R: Sudden one-sided facial weakness that includes the forehead, with an eye that will not close, suggests Bell's palsy, a facial nerve problem. A stroke usually spares the forehead and comes with arm or speech problems. Steroids within 72 hours improve recovery. The eye must be protected from drying out.
A: This may be Bell's palsy, but a stroke must be ruled out, so see a doctor today. Steroids work best within 3 days. Protect your eye with lubricating drops and tape it closed at night. Call emergency services if you have arm weakness or speech problems.

Q: I get an uncomfortable urge to move my legs at night.
R: An urge to move the legs at rest in the evening, relieved by moving, is restless legs syndrome. Iron deficiency is a common treatable cause, along with pregnancy, kidney disease and some medicines such as antihistamines. Checking ferritin is a standard first step. Good sleep habits and less caffeine help.
A: This sounds like restless legs syndrome. Ask your doctor to check your iron level, as low iron is a common cause. Cut caffeine and alcohol, stretch before bed and keep a regular sleep routine. See a doctor if it disturbs your sleep regularly.

Q: My son hit his head playing football and now has a headache.
R: A headache after a blow to the head may mean a concussion. Most settle with rest and a gradual return to activity. Red flags are repeated vomiting, a worsening headache, drowsiness, confusion, seizures, weakness or unequal pupils, which need emergency imaging. Returning to contact sport too early risks another injury.
A: He may have a concussion. Let him rest and avoid sport and screens until the symptoms settle, then return gradually. Take him to the emergency department if he vomits repeatedly, becomes drowsy or confused, has a seizure or the headache worsens.

Q: I have trouble falling asleep and lie awake for hours every night.
R: Difficulty falling asleep on most nights for months fits chronic insomnia. Common contributors are stress, irregular hours, caffeine, screens at night, and anxiety or depression. Loud snoring with daytime sleepiness suggests sleep apnea instead. Cognitive behavioral therapy for insomnia is the most effective long-term treatment.
A: Keep a fixed wake-up time, avoid caffeine after noon and screens an hour before bed, and get up if you can't sleep after 20 minutes. Avoid relying on sleeping pills. See a doctor if it goes on for months, affects your mood, or you snore loudly.

Q: I had a brief episode of blurred vision in one eye that lasted 5 minutes.
R: Temporary vision loss in one eye lasting minutes can be a warning sign of stroke, caused by a small clot in the eye's artery. It is a form of transient ischemic attack. The neck arteries and heart need urgent checks, because stroke risk is highest in the following days. A migraine aura usually affects both eyes with zigzag lights.
A: Brief vision loss in one eye can be a warning sign of stroke, even if it has fully recovered. Please get checked today, ideally at an emergency department or stroke clinic. Call emergency services if it happens again or you have weakness or speech problems.
"""

ZH_DATA = r"""
@ internal_medicine
Q: 感冒三天了，流鼻涕嗓子疼，需要吃抗生素吗？
R: 流涕、咽痛、病程短，最符合病毒性上呼吸道感染。抗生素对病毒无效，反而可能带来腹泻、过敏和耐药。如果出现持续高热超过三天、脓涕伴面部胀痛或扁桃体化脓，才考虑细菌感染。目前以对症处理为主。
A: 这很可能是普通感冒，由病毒引起，吃抗生素没有帮助。多休息、多喝水，咽痛可以用含片缓解。如果发热超过三天、呼吸困难或症状持续十天以上不好转，请及时就医。

Q: 体检空腹血糖6.5，是不是得糖尿病了？
R: 空腹血糖6.1到6.9 mmol/L属于空腹血糖受损，也就是糖尿病前期；两次以上达到7.0才考虑诊断糖尿病。单次结果不能下结论，可以加查糖化血红蛋白或做糖耐量试验。这个阶段通过生活方式干预，很多人可以避免进展为糖尿病。
A: 空腹血糖6.5高于正常，但还没到糖尿病的诊断标准，属于糖尿病前期。建议复查并加做糖化血红蛋白。控制体重、少喝含糖饮料、每周规律运动，可以明显降低发展成糖尿病的风险。

Q: 小便的时候有灼烧感，而且老想上厕所，怎么办？
R: 尿痛、尿频在成年女性中最常见于下尿路感染，也就是膀胱炎。如果出现发热、腰痛或呕吐，提示感染可能上行到肾脏，需要更积极治疗。孕妇、男性或反复发作的人需要进一步检查。尿常规可以明确诊断并指导用药。
A: 这很像膀胱炎，通常需要医生开短疗程抗生素。在此之前多喝水、不要憋尿。如果出现发烧、腰背部疼痛、呕吐，或者您正在怀孕，请尽快就医。

Q: 半夜大脚趾突然红肿热痛，痛得不能碰。
R: 夜间突发第一跖趾关节红肿热痛，是急性痛风发作的典型表现。常见诱因有饮酒、海鲜和动物内脏、脱水等。需要鉴别的是化脓性关节炎，尤其是伴有发热或附近有伤口时。血尿酸和关节液检查有助于确诊。
A: 这很像痛风急性发作。建议休息、抬高患肢、多喝水，避免饮酒和高嘌呤食物，医生开的消炎止痛药通常几天内见效。如果伴有发烧或全身不适，要尽快就医，排除关节感染。

Q: 医生说我有点贫血，平时吃什么能补血？
R: 最常见的贫血是缺铁性贫血，可能与摄入不足、月经量多或消化道慢性失血有关。饮食可以帮助，但更重要的是找到原因，男性和绝经后女性尤其要排查胃肠道出血。动物性食物中的铁吸收最好，维生素C能促进植物性铁的吸收。
A: 红肉、动物肝脏、豆类和深绿色蔬菜含铁较多，搭配富含维生素C的水果吸收更好，吃饭时不要喝浓茶或咖啡。更重要的是请医生查明贫血原因，必要时需要补铁药物或做胃肠镜检查。

Q: 脖子前面好像肿了，最近还心慌手抖，是甲状腺的问题吗？
R: 颈前肿大提示甲状腺肿大。如果同时有心慌、手抖、怕热、多汗或消瘦，要考虑甲状腺功能亢进，例如Graves病。查TSH和游离T4可以判断功能，甲状腺超声可以评估结构。如果心率很快或出现胸痛，需要及时处理。
A: 颈部肿大加上心慌手抖，确实可能是甲亢。抽血查甲状腺功能和做甲状腺B超就能明确，这种病是可以治疗的。建议尽快到内分泌科就诊，如果心跳特别快、胸痛或晕倒，请立即就医。

Q: 尿酸高但从来没痛过，需要吃药吗？
R: 无症状高尿酸血症很常见，是否用药取决于尿酸水平和合并情况。一般先从生活方式入手：减少饮酒、含糖饮料和高嘌呤食物，控制体重。尿酸很高、已有痛风石、肾结石或肾功能受损时，医生才会考虑使用降尿酸药物。
A: 单纯尿酸高、没有发作过痛风，多数人先调整生活方式即可：少喝酒和甜饮料，少吃内脏和海鲜，多喝水、控制体重。请定期复查尿酸和肾功能，如果尿酸特别高或有肾结石，医生会考虑用药。

Q: 总是口干、喝水多、尿也多，是不是糖尿病？
R: 多饮、多尿、口干是高血糖的典型症状，因为血糖过高会经尿液带走大量水分。如果还有体重下降、乏力，更要考虑糖尿病。其他原因包括饮水习惯、利尿剂、尿崩症等。测一次空腹血糖和糖化血红蛋白就能初步判断。
A: 口干、多饮、多尿确实要警惕糖尿病，建议尽快测空腹血糖和糖化血红蛋白。如果同时出现明显消瘦、恶心呕吐、呼吸有烂苹果味或精神差，说明血糖可能很高，请立即就医。

Q: 我在吃降糖药，刚才突然出冷汗、手抖、心慌，怎么回事？
R: 使用胰岛素或磺脲类降糖药的人，突然出现冷汗、手抖、心慌、饥饿感，首先要考虑低血糖。常见诱因是进食少、运动多、饮酒或药量偏大。低血糖加重会出现意识模糊甚至昏迷，需要立即处理。能测血糖最好先测，不能测时按低血糖处理更安全。
A: 这很可能是低血糖。请马上吃15克左右的快速糖，比如半杯果汁或几块方糖，15分钟后再测血糖，还低就再吃一次。如果意识不清、无法吞咽，家人应立即拨打120。之后请找医生调整降糖方案。

Q: 最近特别怕冷、没力气，体重还涨了好几斤，便秘也加重了。
R: 怕冷、乏力、体重增加和便秘同时出现，要考虑甲状腺功能减退。其他表现可能有皮肤干燥、反应变慢、月经改变和面部浮肿。桥本甲状腺炎是最常见的病因。查TSH和游离T4即可明确，确诊后补充甲状腺激素效果很好。
A: 这些症状放在一起，需要排查甲状腺功能减退，建议到内分泌科抽血查甲状腺功能。如果确诊，每天吃一片甲状腺激素就能很好地控制。也请注意是否有情绪低落、睡眠差等其他原因。

Q: 夏天在工地干活，突然头晕、恶心、出大汗，是中暑吗？
R: 高温环境下劳动后出现头晕、恶心、大汗、乏力，符合中暑先兆或热衰竭。关键是立即脱离高温环境、降温和补液。如果体温很高、皮肤反而干热无汗、意识模糊或抽搐，提示热射病，是危及生命的急症，需要立即送医。
A: 这很可能是中暑，请马上到阴凉通风的地方休息，解开衣服，用湿毛巾擦身降温，小口喝淡盐水或运动饮料。如果半小时内不缓解，或者出现神志不清、抽搐、体温很高，请立即拨打120。

Q: 被邻居家的狗抓破了皮，需要打狂犬疫苗吗？
R: 狂犬病一旦发病几乎百分之百致死，但暴露后及时处置可以有效预防。被狗抓伤且皮肤破损、有渗血，属于需要接种疫苗的暴露；伤口深或在头面部时还需要注射免疫球蛋白。首先要立即用肥皂水和流动清水冲洗伤口至少15分钟。
A: 皮肤抓破了就需要打狂犬疫苗。请立即用肥皂水和流动清水交替冲洗伤口15分钟，再用碘伏消毒，然后尽快到犬伤门诊，医生会判断是否还需要打免疫球蛋白。疫苗要按程序全部打完。

Q: 吃了头孢第二天喝了点酒，现在脸红心慌，要紧吗？
R: 部分头孢类抗生素会抑制酒精代谢，服药期间或停药后一周内饮酒，可能出现双硫仑样反应，表现为面部潮红、心慌、头痛、恶心，严重时血压下降、胸闷甚至休克。轻症停止饮酒后多能缓解，但症状明显时需要就医。
A: 这可能是头孢和酒精引起的双硫仑样反应。请立即停止饮酒，平躺休息，多喝水。如果出现胸闷、呼吸困难、头晕站不住，请马上拨打120。服用头孢期间和停药后一周内都不要喝酒。

@ pediatrics
Q: 孩子两岁，发烧38.8度，但精神很好还在玩，要紧吗？
R: 幼儿发热时精神好、能吃能喝，通常是病毒感染，提示病情不重。孩子的精神状态比体温数字更重要。危险信号包括精神萎靡、按压不褪色的皮疹、呼吸急促、尿少以及发热超过三天。退热药是为了让孩子舒服，而不是把体温降到正常。
A: 孩子精神好、能玩能喝，一般问题不大。如果孩子不舒服，可以按体重给对乙酰氨基酚或布洛芬，多喂水。发热超过三天、精神差、呼吸快、出现压不褪色的皮疹或尿明显减少时，请及时就医。

Q: 宝宝刚满月，体温38.1度，该怎么办？
R: 三个月以下婴儿体温达到38℃，都要按可能的严重细菌感染来对待。小婴儿的症状不典型，病情可能迅速加重。需要尽快由医生检查，往往要做血和尿的化验。不应自行使用退热药，以免掩盖病情、延误评估。
A: 三个月以下的宝宝发烧，即使看起来精神还好，也需要马上去医院检查。请尽快带宝宝到儿科急诊。就医前不要自行给宝宝吃退烧药。

Q: 孩子发高烧时抽搐了一次，以后会得癫痫吗？
R: 6个月到5岁儿童在发热时出现短暂全身抽搐，多为单纯性热性惊厥。这种情况很常见，一般不会损伤大脑，大多数孩子以后也不会发展为癫痫。如果抽搐超过15分钟、只有一侧肢体抽动或一次病程中反复发作，需要进一步检查。首次发作都应就医。
A: 单纯的热性惊厥看起来吓人，但大多数是良性的，绝大多数孩子以后不会得癫痫。首次发作后应让医生检查，找到发热原因。如果抽搐超过5分钟或抽完后一直叫不醒，请立即拨打急救电话。

Q: 孩子四岁，嘴里起泡，手心脚心也有疹子。
R: 口腔疱疹加上手掌、足底的皮疹，是手足口病的典型表现，由肠道病毒引起。多数为轻症，7到10天自愈。最主要的风险是口腔疼痛导致喝水少而脱水。少数会出现神经系统并发症，表现为精神差、肢体抖动或反复呕吐。
A: 这很可能是手足口病，多数一周左右自愈。给孩子喝凉一些的水、吃软食，必要时用止痛药。如果孩子喝水很少、特别嗜睡、有肢体抖动、反复呕吐或发热超过三天，请立即就医。

Q: 孩子三岁，四天才拉一次大便，每次都哭。
R: 学龄前儿童排便次数少、排便疼痛，多数是功能性便秘，常因一次排便疼痛后孩子开始憋便，形成恶性循环。饮水和膳食纤维不足会加重。出生后就便秘、生长不好、呕吐、腹胀或下肢无力是危险信号。软化大便加上定时如厕，对大多数孩子有效。
A: 这是儿童常见的便秘。多喝水，多吃水果蔬菜，每天饭后固定时间让孩子坐便盆，不要责备。医生可以推荐安全的软便药。如果孩子呕吐、肚子胀、便中带血或者长得不好，请尽快就医。

Q: 宝宝每次吃完奶都吐一点，但体重长得挺好。
R: 体重增长良好的婴儿，喂奶后少量、非喷射性地吐奶，通常是生理性胃食管反流，与贲门发育不成熟有关。一般4个月左右最明显，12个月前多能缓解。喷射性呕吐、吐黄绿色或带血的东西、体重不增或拒奶需要警惕。出生几周内出现喷射性呕吐要排除幽门狭窄。
A: 宝宝长得好、只是少量吐奶，一般是正常现象，会随月龄增长好转。喂奶后竖抱拍嗝一会儿，避免一次喂太多。如果出现喷射性呕吐、吐黄绿色或带血的东西、体重不长或尿量减少，请立即就医。

Q: 新生儿出生第四天，皮肤和眼白有点黄。
R: 生后第一周出现皮肤发黄，多数是生理性黄疸，通常在第2到4天出现，第3到5天最明显。如果出生24小时内就出现黄疸、黄疸迅速加深、吃奶差、嗜睡，或者大便发白、尿色很深，提示病理性原因。经皮或抽血测胆红素可以评估，数值高时需要蓝光治疗。
A: 这个时间出现轻度发黄比较常见，但建议今天就让医生测一下胆红素。勤喂奶有助于黄疸消退。如果宝宝特别嗜睡、吃奶差，或大便颜色发白、尿很黄，请马上就医。

Q: 孩子十个月，拉肚子两天了，怎么判断有没有脱水？
R: 婴儿腹泻最常见的原因是病毒性胃肠炎。最主要的风险是脱水，小婴儿脱水发展更快。脱水表现包括尿布湿的次数减少、口唇干燥、哭时没有眼泪、眼窝或前囟凹陷、精神萎靡。少量多次口服补液盐是治疗的关键。
A: 注意观察尿量是否减少、嘴唇是否干、哭时有没有眼泪、眼窝是否凹陷、精神是否变差。继续母乳或配方奶，少量多次喂口服补液盐。一旦有脱水表现、便中带血或吃什么吐什么，请尽快就医。

Q: 宝宝睡觉出汗特别多，后脑勺头发也少了一圈，是缺钙吗？
R: 婴儿新陈代谢旺盛，睡觉出汗多在大多数情况下是正常的；后脑勺头发少多与出汗后在枕头上来回蹭有关。单凭出汗和枕秃不能诊断缺钙或佝偻病。如果同时有生长缓慢、骨骼变形或出牙明显延迟，才需要进一步检查。
A: 多数宝宝睡觉出汗和枕秃都是正常现象，不一定是缺钙。注意室温别太高、别穿盖太多。按医生建议补充维生素D就可以，一般不需要额外补钙。如果宝宝生长缓慢、出牙特别晚或骨骼形状异常，请到儿保科检查。

Q: 孩子刚刚误吞了一枚一元硬币，现在看着没事，怎么办？
R: 儿童误吞硬币较常见，大多数能顺利通过消化道随大便排出。但硬币卡在食管时可能出现流口水、吞咽困难、胸痛或呕吐，需要内镜取出。误吞的如果是纽扣电池或磁铁，危险性更高，需要紧急处理。通常需要拍片确认硬币位置。
A: 请尽快带孩子去医院拍片，确认硬币在什么位置。如果已经进入胃里，多数几天内会随大便排出。如果孩子流口水、吞咽困难、胸痛或呕吐，或者吞下的是纽扣电池、磁铁，请立即去急诊。

Q: 宝宝屁股红红的一片，换尿布时一碰就哭。
R: 尿布区域发红、触痛，最常见的是尿布皮炎，由尿液和粪便长时间刺激皮肤引起。如果红斑边缘有散在小红点，皮肤褶皱处也红，要考虑合并念珠菌感染。保持干燥、勤换尿布和外用氧化锌屏障霜是主要处理。出现水疱、脓疱或发热需要就医。
A: 这是尿布疹，常见也容易处理。勤换尿布，每次用温水洗净后晾干，再厚涂含氧化锌的护臀膏，每天让屁股透气一会儿。如果三天不见好、红疹边缘有小红点，或者出现水疱、脓包、发烧，请带宝宝看医生。

Q: 孩子咳嗽一个多月了，晚上和跑完步后咳得最厉害。
R: 儿童慢性咳嗽超过4周，夜间和运动后加重，要考虑咳嗽变异性哮喘，这是以咳嗽为主要表现的一种哮喘。过敏体质、湿疹或家族哮喘史更支持这一判断。其他原因包括鼻后滴漏和感染后咳嗽。肺功能检查有助于诊断。
A: 这种咳嗽需要考虑咳嗽变异性哮喘，建议到儿科呼吸专科做肺功能等检查。平时避免接触烟雾、尘螨等刺激物。如果孩子出现喘息、呼吸费力、说话断断续续或嘴唇发紫，请立即就医。

Q: 孩子经常流鼻血，一次能流好几分钟，怎么处理？
R: 儿童鼻出血大多来自鼻中隔前部的血管丛，常因空气干燥、挖鼻孔或鼻炎引起，一般按压就可以止住。正确方法是身体前倾、捏住鼻翼，而不是仰头。按压20分钟仍止不住、出血量大、身上容易有淤青或牙龈出血时，要排查凝血问题。
A: 流鼻血时让孩子坐下，身体稍向前倾，用手指捏紧鼻翼两侧10到15分钟，不要仰头。平时保持室内湿润，剪短指甲避免挖鼻。如果按压20分钟还止不住、出血很多，或者身上经常有淤青，请及时就医。

@ dermatology
Q: 一到冬天，胳膊肘内侧就干燥发痒，起红斑。
R: 肘窝等皮肤褶皱处反复出现干燥、瘙痒的红斑，冬季加重，是特应性皮炎（湿疹）的典型表现。干燥空气和热水洗澡会破坏皮肤屏障。规律使用足量保湿霜是基础治疗，发作时短期外用激素药膏。出现渗液、结痂或疼痛要警惕继发感染。
A: 这很像湿疹。每天至少两次涂无香料的保湿霜，洗澡水不要太热、时间不要太长，穿柔软的棉质衣物。发作时可以在医生指导下短期用弱效激素药膏。如果出现渗液、结痂、疼痛或两周不见好转，请到皮肤科就诊。

Q: 我25岁了，下巴附近还是一直长痘，而且很痛。
R: 成人下颌部位反复长痘很常见，女性尤其多见，常与激素波动有关。深在、疼痛的结节和囊肿更容易留疤。一线治疗包括外用维A酸类药物和过氧苯甲酰，顽固者可能需要口服药物或激素调节治疗。挤压会加重炎症和瘢痕。
A: 成人下巴长痘很常见，也是可以治疗的。可以用温和洁面，外用阿达帕林或过氧苯甲酰，避免用手挤。如果反复长又大又痛的结节或已经留疤，建议去皮肤科，处方药效果会好很多。

Q: 吃完虾以后全身突然起了很多痒的风团。
R: 进食后短时间内出现瘙痒性风团，是荨麻疹，很可能是对虾过敏。单纯的荨麻疹一般用抗组胺药就可以控制。关键是判断有没有严重过敏反应：嘴唇或舌头肿胀、喉咙发紧、呼吸困难、呕吐或头晕。出现这些情况需要紧急使用肾上腺素。
A: 这很可能是过敏引起的荨麻疹，可以口服不犯困的抗过敏药止痒。如果出现嘴唇或舌头肿、呼吸或吞咽困难、头晕想晕倒，请立即拨打急救电话。以后避免吃虾，可以咨询医生做过敏原检测。

Q: 脚趾缝发白、裂口，特别痒。
R: 趾缝皮肤浸渍发白、皲裂、瘙痒，是足癣（脚气）的典型表现，由真菌感染引起，潮湿闷热的环境容易发生。公共浴室和鞋子是常见传播途径。外用抗真菌药2到4周通常可以治愈。糖尿病患者的裂口可能让细菌进入，引起蜂窝织炎。
A: 这很可能是脚气。外用抗真菌药膏，症状消失后再坚持一到两周，洗脚后擦干趾缝，每天换袜子。如果发红范围扩大、脚肿、疼痛，或者您有糖尿病，请及时就医。

Q: 身上一颗痣最近颜色变深了，边缘也不规则。
R: 痣的颜色、形状或边界发生变化，是黑色素瘤的警示信号。常用ABCDE法则判断：不对称、边缘不规则、颜色不均、直径大于6毫米和近期变化。大多数变化的痣是良性的，但只有医生检查、必要时切除活检才能确定。早发现的黑色素瘤治愈率很高。
A: 颜色或形状发生变化的痣，建议尽快到皮肤科检查。大多数是良性的，但早检查很重要。不要自己点痣或抠掉。平时注意防晒，可以拍照记录痣的变化，方便医生比较。

Q: 腰背部一侧起了一串水泡，又痛又烧。
R: 身体一侧沿神经走行出现带状分布的疼痛性水疱，是带状疱疹的典型表现，由潜伏的水痘病毒再激活引起。起疹72小时内使用抗病毒药效果最好，还能降低后遗神经痛的风险。累及眼周或鼻尖、免疫力低下的人需要紧急处理。水疱液可使未得过水痘的人感染。
A: 这很像带状疱疹，建议尽量在起疹三天内就医，抗病毒药越早用越好。皮疹处保持清洁、遮盖，结痂前避免接触孕妇和婴儿。如果皮疹在眼睛周围，请立即就医。

Q: 家里几个人晚上都特别痒，手指缝最明显。
R: 夜间剧烈瘙痒、家庭多人同时发病、指缝有丘疹，高度提示疥疮，是疥螨感染。它通过密切的皮肤接触传播。全家需要同时用处方药膏治疗，贴身衣物和床品要高温清洗。治疗成功后瘙痒仍可能持续数周。
A: 这很像疥疮，常见，也可以治好。请到皮肤科开药膏，全家人要在同一时间一起治疗，床单和衣物用热水洗烫。治疗后瘙痒还可能持续几周，不代表治疗失败。

Q: 头皮屑特别多，头皮还痒，换了好几种洗发水都不管用。
R: 大量头屑伴头皮瘙痒，常见原因是脂溢性皮炎，与头皮马拉色菌增多和皮脂分泌旺盛有关。压力大、熬夜会加重。含酮康唑、二硫化硒或吡硫翁锌的洗发水效果较好，需要停留几分钟再冲洗。若有厚鳞屑斑块超出发际线，要考虑银屑病。
A: 这多半是脂溢性皮炎。可以用含酮康唑的洗剂，抹上后停留3到5分钟再冲掉，每周2到3次。少熬夜，少吃油腻甜食。如果头皮出现很厚的鳞屑斑块，或者红斑蔓延到额头、耳后，请到皮肤科就诊。

Q: 天热出汗后，脖子和背上起了密密麻麻的小红疹。
R: 湿热天气出汗后，颈部、背部和皮肤褶皱处出现密集的针尖大小红色丘疹或小水疱，伴刺痒，是痱子（汗疹），由汗腺导管堵塞引起。保持凉爽干燥后一般几天内消退。继发感染时会出现脓疱，需要处理。
A: 这是痱子。让环境保持凉爽通风，穿宽松透气的棉质衣服，出汗后及时擦干或洗温水澡，一般几天就会消退。如果出现脓疱、红肿疼痛或发烧，请就医。

Q: 脸颊上长了对称的褐色斑，夏天更明显，是黄褐斑吗？
R: 双侧面颊对称分布的淡褐色到深褐色斑片，日晒后加重，在育龄女性中常见，符合黄褐斑。它与紫外线、激素水平（如怀孕、口服避孕药）和遗传有关。严格防晒是基础，淡斑药物需要在医生指导下使用。刺激性过强的治疗可能使其加重。
A: 这很像黄褐斑。最重要的是严格防晒，每天用防晒霜并戴帽子。可以在皮肤科医生指导下使用淡斑药膏，不要随便做刺激性强的激光或换肤。如果斑点颜色不均、突然长大或形状不规则，请尽快就诊。

Q: 脚指甲变厚、发黄，还容易碎，是灰指甲吗？
R: 指甲增厚、变黄变浑浊、变脆易碎，常见于甲真菌病（灰指甲），常与足癣并存。但银屑病、外伤和老年性改变也会引起类似表现，最好通过真菌镜检或培养确诊。外用药对轻症有效，累及多个指甲或甲根时往往需要口服抗真菌药。
A: 很可能是灰指甲，建议先到皮肤科刮一点指甲做真菌检查确认。轻的可以用抗真菌甲涂剂，严重的需要口服药，疗程较长，要坚持。同时治疗脚气，保持鞋袜干燥。有糖尿病的话要更早就医。

Q: 被蚊子咬了以后起了一个很大的红肿包，又热又痒。
R: 蚊虫叮咬后局部出现大片红肿、发热、瘙痒，多为对蚊虫唾液的局部过敏反应，儿童更常见，通常在1到3天达高峰后消退。需要与继发细菌感染区分：红肿持续扩大、疼痛加重、出现脓液或发热提示蜂窝织炎。全身风团或呼吸困难属于严重过敏。
A: 这多半是对蚊虫叮咬的局部过敏反应。可以冷敷，外涂炉甘石洗剂或弱效激素药膏，口服抗过敏药止痒，不要抓破。如果红肿越来越大、疼痛加重、流脓或发烧，或者出现全身风团、呼吸困难，请及时就医。

Q: 头上突然出现一块硬币大小的秃斑，边界很清楚。
R: 突然出现边界清楚的圆形或椭圆形脱发斑，局部皮肤光滑、没有红斑鳞屑，是斑秃的典型表现，属于与自身免疫相关的脱发，常与精神压力有关。多数单发的小片斑秃可以在几个月到一年内自行长出。需要与头癣鉴别，头癣常有鳞屑和断发。
A: 这很像斑秃，单个小片的多数几个月内会自己长出来。注意休息，缓解压力。建议到皮肤科确认，医生可以局部用药加快恢复。如果秃斑越来越多、越来越大，或者眉毛睫毛也脱落，请尽早治疗。

@ cardiology
Q: 在家量血压150/95，危险吗？
R: 单次150/95属于偏高，但一次测量不能诊断高血压。应该在不同日子、安静坐位下重复测量。如果血压很高同时出现头痛、胸痛、气促、肢体无力或视物模糊，属于急症。家庭血压平均值超过135/85，通常需要和医生讨论治疗。
A: 单次偏高而且没有不舒服，不算急症，但需要跟进。连续一周每天早晚各测两次，坐着休息5分钟后再测，记录下来给医生看。如果出现胸痛、剧烈头痛、肢体无力或看东西模糊，请立即就医。

Q: 我55岁，爬楼梯时胸口发闷，休息几分钟就好了。
R: 中年人活动时胸闷、休息后缓解，是稳定型心绞痛的典型表现，提示冠状动脉可能有狭窄。这是将来发生心肌梗死的预警。如果休息时也痛、持续超过15分钟，或伴大汗、气促，要考虑急性冠脉综合征。需要尽快到心内科评估。
A: 活动时胸闷、休息后缓解，可能是冠心病的信号，建议这几天内到心内科检查。在此之前避免剧烈活动。如果休息时也胸痛、持续超过15分钟，或伴有出汗、恶心、气短，请立即拨打急救电话。

Q: 有时候觉得心脏漏跳一下，或者扑通乱跳，危险吗？
R: 短暂的漏跳感多为早搏，很常见，大多无害，常由咖啡因、饮酒、紧张或睡眠不足诱发。持续的快而不规则的心悸要考虑房颤。心悸伴晕厥、胸痛或气促，或者本身有心脏病，需要尽快评估。心电图和动态心电图是常用检查。
A: 偶尔漏跳一下多数是良性早搏。可以减少咖啡、浓茶和酒，保证睡眠。如果频繁发作、持续几分钟或感觉心跳乱，建议做心电图；出现晕倒、胸痛或气短时请立即就医。

Q: 去年放了支架，现在可以停阿司匹林吗？
R: 冠脉支架术后，阿司匹林一般需要长期服用，以预防心梗和支架内血栓。第二种抗血小板药常在6到12个月后停用，但阿司匹林通常继续。擅自停药会增加血栓风险。任何调整都应和心内科医生商量，特别是在手术或拔牙前。
A: 请不要自己停阿司匹林。放支架后，阿司匹林通常需要长期吃来保护心脏。如果出现出血、胃痛，或者近期要做手术、拔牙，请先咨询心内科医生怎么调整。

Q: 在家量血压，怎样量才准确？
R: 家庭血压只有方法正确才可靠。袖带要适合上臂粗细，与心脏在同一高度；坐位、背部有支撑、双脚平放，安静休息5分钟后测量。测量前30分钟避免咖啡、吸烟和运动。间隔1分钟测两次取平均值，更能反映真实水平。
A: 测前安静坐5分钟，背靠椅背、双脚平放，手臂放在与心脏同高的位置，袖带大小合适。测前半小时不要喝咖啡、吸烟或运动。每次间隔一分钟测两遍，早晚各测一次，记录下来给医生看。

Q: 晚上躺平就喘不过气，腿也肿了，是怎么回事？
R: 平卧时气促（端坐呼吸）加上下肢水肿，提示体液潴留，最常见的原因是心力衰竭。其他线索包括夜间憋醒、体重短期内增加和乏力。需要尽快做体格检查、心电图、血液检查和心脏超声。静息时气促或胸痛属于急症。
A: 这些症状可能是心衰的表现，建议一两天内就到心内科检查。每天早上称体重，注意是否快速增加。如果休息时也喘不过气、胸痛，或咳粉红色泡沫痰，请立即拨打急救电话。

Q: 我才40岁，二十分钟前突然胸口压榨样疼，还出了一身冷汗。
R: 突发压榨样胸痛伴大汗、持续超过15分钟，即使只有40岁，也应首先按急性心肌梗死处理。救治越早，保住的心肌越多。主动脉夹层和肺栓塞也可有类似表现，同样凶险。这种情况绝不能在家观察等待。
A: 请立即拨打120急救电话，这可能是心梗。不要自己开车去医院。如果没有阿司匹林过敏和出血问题，可以在等待时嚼服一片阿司匹林，保持安静不要走动。

Q: 吃降压药血压已经正常了，可以停药吗？
R: 大多数原发性高血压需要长期控制，血压正常往往正是药物在起作用。擅自停药后血压通常会回升，部分人还会出现反跳性升高，增加心脑血管事件风险。少数人通过明显减重、减盐和运动后，可以在医生指导下减量，但需要密切监测。
A: 血压正常说明药物有效，请不要自行停药，否则血压很可能会再升高。如果您减重、减盐后血压一直偏低或出现头晕，可以在医生指导下尝试减量，并坚持在家监测血压。

Q: 吃了一种“普利”类降压药以后，一直干咳，嗓子痒。
R: 血管紧张素转换酶抑制剂，也就是依那普利、贝那普利等“普利”类药物，常见的副作用是持续性干咳，可发生在用药后几天到数月。止咳药通常无效，停药后1到4周咳嗽会逐渐消失，可以换用“沙坦”类药物。如伴有嘴唇或舌头肿胀，要警惕血管性水肿。
A: 这很可能是“普利”类药物的副作用。请不要自行停药，尽快找医生换成“沙坦”类等其他降压药，一般换药后几周内咳嗽会消失。如果出现嘴唇、舌头或喉咙肿胀、呼吸困难，请立即就医。

Q: 我平时坚持跑步，静息心率只有每分钟50次，正常吗？
R: 长期有氧运动的人迷走神经张力较高、每搏输出量增加，静息心率在每分钟40到60次很常见，属于运动员心脏的生理表现。关键看有没有症状：头晕、乏力、运动耐量下降或晕厥提示可能存在病理性心动过缓或传导阻滞，需要做心电图和动态心电图。
A: 经常跑步的人静息心率50次左右很常见，通常是心肺功能好的表现。只要没有头晕、眼前发黑、乏力或晕倒，一般不用担心。如果出现这些症状，或者跑步能力突然下降，请到心内科做心电图检查。

Q: 坐了十几个小时飞机，一条小腿又肿又疼。
R: 长时间久坐后出现单侧小腿肿胀、疼痛，要警惕深静脉血栓。危险因素包括长途旅行、近期手术、怀孕、口服避孕药和肿瘤。血栓脱落可引起肺栓塞，表现为突发胸痛、气促、咯血。下肢血管超声可以明确诊断。
A: 长途飞行后一侧小腿肿痛，需要排除下肢静脉血栓，建议今天就去医院做下肢血管B超，不要用力按摩腿部。如果突然出现胸痛、呼吸困难或咳血，请立即拨打120。

Q: 我才28岁，量血压160/100，年轻人也会高血压吗？
R: 年轻人也可能得高血压，但30岁以下、血压较高或难以控制时，要特别排查继发性原因，如肾脏疾病、原发性醛固酮增多症、甲状腺功能异常、睡眠呼吸暂停和某些药物。先要确认测量方法正确并多次复测。明确原因后部分继发性高血压可以治愈。
A: 年轻人也会高血压，而且160/100已经明显偏高。请用正确的方法多次复测，如果仍然偏高，尽快到心内科就诊，医生会安排检查排除肾脏、内分泌等继发原因。如果出现剧烈头痛、胸痛或看东西模糊，请立即就医。

Q: 听说每天喝点红酒能软化血管，是真的吗？
R: 红酒“软化血管”的说法缺乏可靠证据。早期观察性研究提示少量饮酒与心血管风险较低相关，但可能受其他因素干扰；更新的研究显示饮酒会增加高血压、房颤和多种癌症的风险。不建议为了保护心脏而开始饮酒。
A: 这个说法没有可靠依据。喝酒会升高血压、增加房颤和多种癌症的风险，不建议为了“软化血管”而喝酒。保护血管更有效的是戒烟、控制血压血脂、规律运动和健康饮食。

@ gastroenterology
Q: 晚饭后经常烧心，躺下更厉害。
R: 餐后和平卧时胸骨后烧灼感，是胃食管反流的典型表现。晚餐过饱过晚、油腻食物、饮酒、咖啡和超重都会加重。吞咽困难、呕血、黑便、消瘦或50岁后新发，是需要做胃镜的报警症状。活动时的胸痛不能简单归为反流。
A: 这很像胃食管反流。晚饭少吃一些，饭后三小时内不要躺下，床头垫高，少喝酒和咖啡、少吃油腻。症状持续几周不缓解，或出现吞咽困难、体重下降、黑便，请到消化科就诊。

Q: 大便干结，擦屁股时纸上有鲜红的血。
R: 用力排便后手纸上有鲜红色血，最常见的是痔疮或肛裂。肛裂通常伴有排便时刀割样疼痛。但是便血也可能来自息肉或肿瘤，尤其是45岁以上、排便习惯改变、暗红色血与大便混合或有贫血时。需要医生检查才能明确。
A: 这多半是痔疮或大便干引起的肛裂。多吃膳食纤维、多喝水，排便不要太用力。但仍建议就医明确原因，尤其是45岁以上、反复出血、大便习惯改变或体重下降时。

Q: 查出幽门螺杆菌阳性，一定要治吗？
R: 幽门螺杆菌感染会引起胃炎和消化性溃疡，并增加胃癌风险。目前共识建议阳性者一般都应根除治疗。治疗方案是抑酸药加两种抗生素，常加铋剂，疗程10到14天。停药一段时间后需要复查，确认是否根除。
A: 一般建议治疗，可以预防溃疡并降低胃癌风险。通常需要按医生方案吃10到14天的几种药，一定要吃完整个疗程。停药至少4周后做呼气试验复查，确认细菌是否清除。

Q: B超说有脂肪肝，严重吗？
R: 脂肪肝非常常见，主要与超重、胰岛素抵抗和饮酒有关。多数人只是单纯脂肪沉积，但一部分人会发展为脂肪性肝炎和肝纤维化。肝功能和纤维化评估可以判断程度。体重减轻7%到10%可以逆转脂肪和炎症。
A: 脂肪肝很常见，而且多数是可以逆转的。减重7%到10%、规律运动、少喝酒和含糖饮料最有效。医生可能会查肝功能和肝脏硬度。如果出现皮肤发黄、肚子变大或尿色很深，请及时就医。

Q: 在外面吃饭后拉肚子两天了。
R: 外出就餐后急性腹泻，多为食物中毒或病毒性胃肠炎，几天内可自愈。最主要的风险是脱水。出现便血、高热、剧烈腹痛、超过三天不缓解或有脱水表现时需要就医。有便血或发热时，不宜随便使用止泻药。
A: 大多数饮食引起的腹泻几天内会好。多喝水，最好喝口服补液盐，吃清淡好消化的食物。如果大便带血、发高烧、肚子剧痛、头晕乏力，或者超过三天还不好，请去医院。

Q: 腰疼每天吃布洛芬，现在胃也开始疼了。
R: 长期服用布洛芬等非甾体抗炎药，会削弱胃黏膜保护，导致胃炎甚至消化性溃疡。年龄大、剂量高、饮酒以及同时服用抗血小板药会增加风险。黑便或呕血提示消化道出血，是急症。可以考虑停药、换用其他止痛方式并加用护胃药。
A: 每天吃布洛芬确实可能伤胃，甚至引起溃疡。请和医生商量换一种止痛方式，或者加用保护胃的药物。如果出现柏油样黑便、呕血或呕吐咖啡色物、头晕想晕倒，请立即去急诊。

Q: 肚脐周围先痛，后来转到右下腹，越来越痛。
R: 疼痛从脐周开始、逐渐转移并固定在右下腹，是阑尾炎的经典表现，常伴恶心、食欲差和低热。走路或咳嗽时疼痛加重也支持这一判断。阑尾炎需要外科评估，拖延可能导致穿孔和腹膜炎，后果严重。
A: 这种疼痛很像急性阑尾炎，需要马上去医院急诊。在医生检查前不要吃东西、喝水，也不要自己吃强效止痛药或泻药。

Q: 这两天大便是黑色的，黏黏的像柏油。
R: 黑色、黏稠发亮的柏油样便，提示上消化道出血，例如胃或十二指肠溃疡出血。吃铁剂、铋剂或动物血也会使大便变黑，但一般不黏。头晕、心慌、乏力或晕厥说明失血较多。这种情况需要当天就医。
A: 柏油样黑便可能是胃或十二指肠出血，请今天就去医院。如果最近吃过铁剂、铋剂或猪血，请告诉医生。一旦头晕、心跳快、晕倒或呕血，请立即去急诊。

Q: 胃镜报告写着慢性浅表性胃炎，要紧吗？
R: 慢性浅表性胃炎，现在多称为慢性非萎缩性胃炎，在胃镜报告中极其常见，很多没有症状的人也会有，本身风险低。关键是看是否合并幽门螺杆菌感染、萎缩或肠化生。有症状时以对症治疗为主，没有症状通常不需要特别处理。
A: 慢性浅表性胃炎非常常见，大多数不要紧，不需要长期吃药。建议查一下幽门螺杆菌，阳性的话要治疗。平时规律饮食，少喝酒。如果出现黑便、呕血、消瘦或吞咽困难，请及时复诊。

Q: 体检查出乙肝表面抗原阳性，肝功能正常，需要吃药吗？
R: 乙肝表面抗原阳性说明存在慢性乙肝病毒感染。是否需要抗病毒治疗，取决于病毒载量、转氨酶水平、肝脏纤维化程度、年龄和家族史。肝功能正常时不一定需要立即用药，但需要进一步检查评估并定期随访，不能置之不理。
A: 不一定马上吃药，但需要到感染科或肝病科做全面评估，包括乙肝病毒DNA、肝脏B超和肝脏硬度检查，医生会据此决定是否需要抗病毒治疗。之后大约每6个月复查一次，家人也要检查，没有抗体的应接种疫苗。

Q: 最近吃饭咽东西时总觉得卡住，越来越明显，还瘦了。
R: 进行性吞咽困难，从固体食物开始逐渐加重，同时伴有体重下降，是需要高度重视的报警症状，要优先排除食管癌或贲门癌。其他原因包括反流引起的食管狭窄、贲门失弛缓症等。胃镜是首选检查，不宜拖延。
A: 吞咽越来越困难还伴消瘦，需要尽快做胃镜检查，请这一两周内到消化科就诊。在此之前吃软食、细嚼慢咽。如果完全咽不下东西、连水都喝不进去，或者吐血，请立即去急诊。

Q: 昨晚喝了很多酒，今天上腹剧痛，一直往后背窜。
R: 大量饮酒或油腻饮食后出现上腹持续剧烈疼痛，并向背部放射，常伴恶心呕吐，要高度怀疑急性胰腺炎。重症胰腺炎可危及生命。血淀粉酶、脂肪酶和腹部影像检查可以明确诊断。通常需要禁食并住院治疗。
A: 这种情况要高度怀疑急性胰腺炎，请立即去医院急诊，不要再吃喝东西，也不要自己吃止痛药硬扛。确诊后通常需要住院治疗。以后一定要戒酒。

Q: 上完厕所后肛门口有个肉球掉出来，要用手推回去。
R: 排便时有肿物脱出、需要用手还纳，符合三度内痔脱出。常见诱因包括长期便秘、久坐久蹲和用力排便。脱出的痔核如果推不回去、变紫变硬、剧烈疼痛，可能发生嵌顿或血栓形成，需要尽快处理。有便血时也要排除其他肠道疾病。
A: 这很可能是痔疮脱出，建议到肛肠科就诊，医生会评估是否需要套扎或手术治疗。平时保持大便通畅，不要久蹲和用力。如果肉球推不回去、变紫发硬或剧烈疼痛，请尽快去医院。

@ neurology
Q: 经常一侧头跳着痛，还恶心怕光。
R: 反复发作的单侧搏动性头痛，伴恶心、畏光，持续数小时，是偏头痛的典型表现。诱因包括睡眠不足、压力、饥饿和月经周期。危险信号有突发剧烈头痛、发热伴颈部僵硬、肢体无力，或50岁以后新出现的头痛。记头痛日记有助于找到诱因。
A: 这很像偏头痛。发作时在安静、光线暗的房间休息，尽早服用止痛药。记录头痛日记找出诱因。发作频繁请到神经内科就诊；如果突然剧烈头痛、肢体无力、意识不清或发热伴脖子硬，请立即去急诊。

Q: 突然一下子头痛得像要炸开，是这辈子最痛的一次。
R: 一分钟内达到高峰的突发剧烈头痛，称为霹雳样头痛，可能是蛛网膜下腔出血等颅内出血。必须尽快做头颅影像检查排除。伴颈部僵硬、呕吐、意识模糊或晕倒时更要警惕。在家观察、等待好转是不安全的。
A: 突然发生的、一生中最剧烈的头痛属于急症，请立即拨打120或马上去急诊。不要自己开车，也不要等着看会不会自己好。

Q: 我爸突然嘴歪了，说话也含糊不清。
R: 突发口角歪斜和言语不清，是脑卒中的核心信号，可以用“中风120”口诀识别：看脸是否不对称、两臂能否平举、说话是否清楚。溶栓或取栓只能在发病后几个小时内进行，因此记录发病时间非常重要。即使症状好转也属于急症。
A: 这是中风的典型表现，请立即拨打120，并记下症状开始的时间。不要给他吃东西、喝水或吃药。即使症状有所好转，也必须马上去医院急诊。

Q: 晚上翻身的时候天旋地转，几秒钟就好了。
R: 翻身、抬头等头位变化诱发的短暂旋转性眩晕，持续不到一分钟，是良性阵发性位置性眩晕（耳石症）的典型表现，由内耳耳石移位引起。它是良性的，手法复位效果很好。如果伴有复视、言语不清、肢体无力或无法行走，要考虑脑部病变。
A: 这很像耳石症，常见而且不危险。到医院做一次耳石复位手法往往就能明显好转。如果同时出现看东西重影、说话不清、肢体无力或走不了路，请立即去急诊。

Q: 早上起来发现一边脸没力气，眼睛闭不上。
R: 突然出现一侧面部无力，包括额头也抬不起来、眼睛闭不拢，提示面神经炎（贝尔面瘫）。中风引起的面瘫通常额头不受累，并常伴肢体或言语异常。发病72小时内使用激素有助于恢复。需要注意保护眼睛，防止角膜干燥。
A: 这可能是面神经炎，但需要今天就医，排除中风。激素最好在三天内开始使用。白天用人工泪液，晚上用眼罩保护眼睛。如果同时手脚无力或说话不清，请立即拨打120。

Q: 每天晚上躺在床上好几个小时都睡不着。
R: 大多数夜晚入睡困难并持续数月，符合慢性失眠。常见原因有压力、作息不规律、咖啡因、睡前看手机以及焦虑抑郁。如果打鼾严重、白天嗜睡，要考虑睡眠呼吸暂停。失眠的认知行为治疗是长期效果最好的方法。
A: 建议每天固定起床时间，中午以后不喝咖啡和浓茶，睡前一小时不看手机；躺下20分钟睡不着就起来做点安静的事。不要长期依赖安眠药。如果持续几个月、影响情绪或打鼾很重，请到医院就诊。

Q: 一只眼睛突然看不清，大概五分钟后又恢复了。
R: 单眼短暂视力丧失持续数分钟，称为一过性黑矇，可能是小血栓堵塞眼动脉引起的，属于短暂性脑缺血发作的一种。之后几天内发生中风的风险最高，需要紧急评估颈动脉和心脏。偏头痛先兆通常累及双眼视野，并伴有锯齿样闪光。
A: 单眼短暂看不清可能是中风的预警信号，即使已经完全恢复，也请今天就去医院急诊或卒中门诊检查。如果再次发作，或出现肢体无力、说话不清，请立即拨打120。

Q: 吃抗癫痫药两年一次都没发作，可以自己停药吗？
R: 癫痫患者无发作2年以上时，可以考虑逐渐减停药物，但需要结合癫痫类型、脑电图、影像学结果和既往发作情况综合评估。突然自行停药容易诱发癫痫发作甚至癫痫持续状态，非常危险。减药必须在医生指导下缓慢进行。
A: 请不要自己停药。两年没发作是好消息，可以找神经内科医生评估，复查脑电图后决定是否能慢慢减药。减药过程通常要几个月，期间如果又发作要及时告诉医生。突然停药可能引起严重发作。

Q: 我爸最近走路越来越慢，步子变小，手还抖，是老了吗？
R: 老年人出现动作迟缓、步幅变小、静止性震颤，要考虑帕金森病。其他线索包括表情减少、写字越写越小、嗅觉减退、便秘和睡眠中大喊大叫。某些药物和脑血管病也可以导致类似表现。神经科查体是诊断的关键，早期治疗可以明显改善生活质量。
A: 这些表现不一定只是衰老，需要排查帕金森病，建议到神经内科就诊，并带上他正在吃的药物清单。帕金森病有有效的药物，越早规范治疗，生活质量越好。平时注意防跌倒。

Q: 眼皮跳了好几天了，一直停不下来，是什么原因？
R: 单侧眼睑不自主的细小跳动，多为眼睑肌纤维颤搐，与疲劳、睡眠不足、压力、咖啡因和用眼过度有关，通常几天到几周会自行消失。如果跳动扩展到同侧面部其他肌肉，或者眼睛不自主地紧闭，要考虑面肌痉挛或眼睑痉挛，需要神经科评估。
A: 眼皮跳大多是累了，和熬夜、压力、喝咖啡、看屏幕太久有关，一般会自己好。注意休息、少喝咖啡、热敷眼睛。如果超过几周不停，或者半边脸也跟着抽动、眼睛闭上睁不开，请到神经内科看看。

Q: 刷牙洗脸时，半边脸会突然像电击一样剧痛几秒钟。
R: 一侧面部反复发作的短暂电击样、刀割样剧痛，由刷牙、洗脸、说话、咀嚼等动作诱发，是三叉神经痛的典型表现。多数由血管压迫三叉神经根引起，少数继发于多发性硬化或肿瘤，需要做头颅磁共振检查。卡马西平是常用的一线药物。
A: 这很像三叉神经痛，建议到神经内科就诊，医生可能会安排头颅磁共振，并开卡马西平等药物，效果通常不错。普通止痛药往往效果不好。如果出现面部麻木、听力下降或其他神经症状，请尽快就医。

Q: 腰痛好几周了，还一直往左腿后面窜，脚有点麻。
R: 腰痛伴沿大腿后侧向小腿、足部放射的疼痛和麻木，是坐骨神经痛的表现，最常见原因是腰椎间盘突出压迫神经根。多数患者通过保守治疗在数周内好转。大小便失禁或排尿困难、会阴部麻木、下肢进行性无力是马尾综合征等急症信号，需要紧急评估。
A: 这很像腰椎间盘突出引起的坐骨神经痛，多数保守治疗几周内会好转。避免久坐和弯腰搬重物，在能耐受的范围内适当活动。如果出现大小便控制不住、会阴部发麻或腿越来越没力气，请立即去急诊。

Q: 蹲久了一站起来就眼前发黑、头晕，要紧吗？
R: 从蹲位或卧位突然站起时出现短暂眼前发黑、头晕，是体位性低血压的表现，常见于脱水、久蹲、天气炎热、服用降压药或老年人自主神经功能减退。多数几秒内缓解。如果伴晕倒、胸痛、心悸，或频繁发作，需要测量卧立位血压并排查心脏原因。
A: 这多半是起身太快引起的体位性低血压。起身时先慢慢坐一会儿再站起来，多喝水，别久蹲。如果经常发生、真正晕倒过，或同时有心慌胸痛，请到医院测卧立位血压并检查心脏。
"""

CSV_DATA = r"""
@ internal_medicine
Q: 嘴里反复长溃疡，一个月好几次，是上火吗？
R: 反复发作的口腔溃疡多为复发性阿弗他溃疡，与免疫、压力、睡眠不足、局部损伤有关，“上火”并不是医学上的病因。缺铁、叶酸或维生素B12不足也可能诱发。如果溃疡超过两周不愈合、伴有外阴溃疡、关节痛或腹泻，需要排查白塞病、炎症性肠病等疾病。
A: 反复口腔溃疡很常见，大多一到两周自愈。注意休息，避免辛辣和硬的食物，可以用溃疡贴或含漱液止痛。如果单个溃疡超过两周不好、越来越大，或同时有外阴溃疡、关节痛、腹泻，请到医院检查。

Q: 吃二甲双胍好几年了，需要补充维生素B12吗？
R: 长期服用二甲双胍会减少维生素B12的吸收，部分患者会出现B12缺乏。缺乏时可表现为贫血、手脚麻木、记忆力下降，容易与糖尿病周围神经病变混淆。指南建议长期服药者定期检测B12水平，缺乏时再补充，而不是所有人都常规补。
A: 不一定人人都要补，但建议定期查维生素B12，特别是出现手脚麻木、乏力或贫血时。如果化验确实偏低，医生会让您口服或注射补充。二甲双胍本身请继续按医嘱服用，不要自行停药。

Q: 晚上打呼噜很响，家人说我睡觉时会憋气，白天老犯困。
R: 响亮打鼾、被家人看到的呼吸暂停和白天嗜睡，是阻塞性睡眠呼吸暂停的典型表现。肥胖、颈围粗、饮酒和仰卧睡眠会加重。未治疗的睡眠呼吸暂停会增加高血压、心律失常和交通事故风险。多导睡眠监测可以确诊，持续气道正压通气治疗效果好。
A: 这很像睡眠呼吸暂停，建议到睡眠门诊或呼吸科做睡眠监测。减重、戒酒、侧卧睡会有帮助，确诊后戴呼吸机治疗效果很好。白天特别困的时候请不要开车。

Q: 六十多岁了，带状疱疹疫苗有必要打吗？
R: 年龄越大，带状疱疹的发病率和后遗神经痛的风险越高，50岁以上是重点人群。重组带状疱疹疫苗对预防带状疱疹和后遗神经痛都有较好效果，需要接种两剂。得过带状疱疹的人也可以在恢复后接种。免疫功能严重低下的人需要先咨询医生。
A: 对六十多岁的人来说，接种带状疱疹疫苗是值得的，可以明显降低发病和后遗神经痛的风险。一般需要打两针，间隔2到6个月。接种后可能有局部酸痛或低热，一两天会好；如果正在接受化疗等治疗，请先咨询医生。

Q: 开封后的胰岛素笔要放冰箱吗？
R: 未开封的胰岛素应冷藏在2到8℃，不能冷冻。已开封正在使用的胰岛素笔可以在室温下（一般不超过25到30℃）保存约4周，这样注射时不冷、刺激小。高温、阳光直射或冻过的胰岛素会失效，使用前要看外观是否异常。
A: 正在使用的胰岛素笔放在室温阴凉处即可，一般可用4周左右，不需要反复放进冰箱。没开封的备用胰岛素放冰箱冷藏，千万不要冷冻。如果药液变浑浊、有絮状物或被冻过，就不要再用了。

Q: 体检B超说甲状腺有个结节，会不会是癌？
R: 甲状腺结节非常常见，超声检出率很高，绝大多数是良性的。判断风险主要看超声特征：实性低回声、边界不清、微钙化、纵横比大于1等提示风险较高。还需要查甲状腺功能（TSH, FT3, FT4），必要时做细针穿刺。小的低风险结节只需定期复查。
A: 甲状腺结节大部分是良性的，不用太紧张。请带着B超报告到内分泌科或甲状腺外科，医生会根据结节大小和超声特征决定是定期复查还是做穿刺。如果结节短期内明显长大、声音嘶哑或吞咽困难，要尽快就诊。

Q: 发烧吃了退烧药，过几个小时又烧起来了，是药没用吗？
R: 退烧药的作用是暂时降低体温、缓解不适，并不能消除引起发热的病因。感染还没好时，药效过去体温再次升高是常见现象，不代表药物无效或病情加重。更重要的是观察精神状态、进食情况和伴随症状。发热持续超过三天或出现危险信号需要就医。
A: 退烧药只是暂时降温，药效过了再烧起来很正常，不代表药没用。按说明书的间隔服药，不要为了降温加大剂量或频繁换药，多喝水。如果发烧超过三天、精神很差、呼吸困难或出现皮疹，请去医院。

@ pediatrics
Q: 宝宝烧了三天，退烧后身上突然起了红疹子。
R: 婴幼儿高热3到5天、热退后出现以躯干为主的玫瑰色斑丘疹，是幼儿急疹的典型过程，由人类疱疹病毒6型或7型引起。热退疹出是它的特点，皮疹一般不痒，1到2天消退。若孩子精神差、皮疹压之不褪色或出现抽搐，需要就医。
A: 这很像幼儿急疹，“热退疹出”是它的特点，皮疹不痒，一两天会自己消退，不需要特别处理。注意观察孩子的精神和进食。如果孩子精神很差、皮疹按压不褪色，或者有抽搐，请及时就医。

Q: 孩子晚上睡觉总张着嘴打呼噜，鼻子也不通气。
R: 儿童长期鼻塞、张口呼吸和打鼾，常见原因是腺样体肥大，也可能合并扁桃体肥大或过敏性鼻炎。长期张口呼吸可能影响面部发育，严重时会导致睡眠呼吸暂停，引起白天注意力差。鼻咽侧位片或鼻内镜可以评估腺样体大小。
A: 孩子长期张嘴睡觉、打呼噜，要考虑腺样体肥大或过敏性鼻炎，建议到耳鼻喉科检查。如果发现孩子睡觉时憋气、呼吸暂停，或者白天注意力差、尿床增多，更要尽早就诊。

Q: 孩子发烧，布洛芬和对乙酰氨基酚可以交替吃吗？
R: 布洛芬和对乙酰氨基酚都是儿童常用的安全退热药，单用一种并按时按量服用，通常就能让孩子舒服。交替用药容易记错时间和剂量，增加过量风险，而且获益有限，一般不推荐常规交替使用。用药目的是缓解不适，而不是追求体温正常。
A: 一般不建议两种药交替吃，选一种按体重、按间隔服用就可以。\n对乙酰氨基酚至少间隔4小时，布洛芬至少间隔6小时，24小时内都不超过4次，每次用药时间和剂量最好记下来。如果单用一种效果不好或孩子精神差，请就医。

Q: 宝宝吃母乳，还需要额外补维生素D吗？
R: 母乳中维生素D含量较低，而婴儿晒太阳有限，纯母乳喂养的婴儿容易缺乏维生素D，影响钙吸收和骨骼发育。多数指南建议新生儿出生后不久开始每天补充400国际单位维生素D。配方奶喂养的宝宝要根据奶量判断是否还需额外补充。
A: 需要补。纯母乳喂养的宝宝一般从出生后几天开始，每天补充维生素D 400国际单位，持续到两岁左右。如果是配方奶喂养，可以请医生根据奶量评估是否需要额外补。不要自行加大剂量。

Q: 两个月的宝宝每天傍晚都哭闹好几个小时，怎么哄都不行。
R: 健康、生长良好的小婴儿每天固定时段哭闹数小时，每周超过三天，符合婴儿肠绞痛。一般在2周左右开始，6周左右最明显，3到4个月自行缓解。需要排除发热、呕吐、血便、体重不增以及哭声异常等情况。肠绞痛不是疾病，重点是安抚和照顾者休息。
A: 这很像婴儿肠绞痛，通常3到4个月会自然好转。可以试试抱着轻摇、用襁褓包裹、白噪音或飞机抱，家长也要轮流休息。如果宝宝发烧、呕吐、便中带血、吃奶差或体重不长，请及时就医。

Q: 宝宝一只眼睛总是流泪，眼屎很多，已经一个多月了。
R: 婴儿出生后一侧持续流泪、分泌物多，最常见的原因是先天性鼻泪管阻塞，多数在一岁内自行通畅。泪囊区按摩有助于疏通。如果眼白发红、眼睑红肿，要考虑结膜炎或泪囊炎；怕光、眼球变大、黑眼珠发雾则需要警惕先天性青光眼。
A: 这多半是鼻泪管阻塞，很常见，大多在一岁前自己会通。可以在医生指导下每天按摩内眼角下方的泪囊区，用干净棉签擦掉分泌物。如果眼睛发红、眼皮肿，或者宝宝特别怕光，请到眼科就诊。

Q: 孩子咳嗽有痰，要不要吃消炎药？
R: 儿童咳嗽咳痰大多由病毒感染引起，所谓“消炎药”通常指抗生素，对病毒无效。咳嗽是清除痰液的保护性反射，多数在1到3周内好转。持续高热、呼吸急促、精神差，或咳嗽超过4周，才需要进一步评估有没有细菌感染或其他问题。
A: 大多数孩子的咳嗽咳痰是病毒引起的，不需要吃抗生素。多喝水，保持室内空气湿润，一岁以上可以喝点蜂蜜水缓解。如果孩子呼吸快、喘、持续高烧、精神差，或咳嗽超过四周，请就医。

@ dermatology
Q: 每年冬天手指脚趾都会红肿发痒，暖和后更痒。
R: 寒冷潮湿环境后手指、脚趾出现紫红色肿胀、遇热瘙痒，是冻疮的典型表现，与末梢血管对寒冷的异常反应有关。保暖防潮是预防关键，受冻后不宜立刻用热水烫。如果出现溃烂、发黑，或在不冷的季节也发生，需要排查其他血管或免疫问题。
A: 这是冻疮。注意手脚保暖干燥，戴手套、穿厚袜，受冻后不要马上用热水泡或烤火，可以涂冻疮膏缓解。如果皮肤破溃、发黑，或者天气不冷时也反复出现，请到皮肤科就诊。

Q: 脚底长了个硬块，走路踩着很疼，是鸡眼吗？
R: 足底受压部位出现圆形硬结、中央有角质核、走路压痛，符合鸡眼，是长期摩擦和压迫导致的角质增生。需要和跖疣鉴别：跖疣表面常有小黑点，左右挤压时更痛。糖尿病患者不要自行剪削，以免感染。
A: 这很可能是鸡眼。换宽松合脚的鞋，用鸡眼垫减少压迫，温水泡软后可以轻轻磨掉表面角质。如果您有糖尿病或血液循环差，不要自己用刀割或用腐蚀性药膏，请到皮肤科处理。

Q: 手指侧面起了很多小水泡，特别痒，每年夏天都这样。
R: 手指侧缘和掌心反复出现深在的小水疱、剧烈瘙痒，季节性加重，符合汗疱疹，也叫出汗不良性湿疹，与出汗、精神压力、接触刺激物和过敏有关。需要和手癣鉴别，必要时做真菌镜检。外用激素药膏和加强保湿有效。
A: 这比较像汗疱疹，是一种湿疹。少接触洗洁精等刺激物，洗手后及时涂护手霜，发作时可以在医生指导下外用激素药膏，不要挑破水泡。如果只有一只手长、伴有脱皮，建议做真菌检查排除手癣。

Q: 脸上和手背出现几块白斑，边界很清楚，越来越大。
R: 边界清楚的乳白色脱色斑逐渐扩大，要考虑白癜风，是皮肤黑素细胞被破坏导致的。需要和白色糠疹、花斑癣等鉴别，伍德灯检查有帮助。白癜风不传染，早期治疗效果更好，常用外用药和光疗。
A: 这需要警惕白癜风，建议尽早到皮肤科做伍德灯检查。白癜风不传染，早期治疗效果比较好，常用药膏和光疗。平时注意防晒，避免皮肤外伤，保持心情稳定。

Q: 剪指甲剪太深了，现在指甲边上红肿化脓，很疼。
R: 指甲旁边红肿热痛、有脓，是急性甲沟炎，多由剪甲过深、撕扯倒刺等外伤后细菌感染引起。早期温水泡洗和外用抗菌药膏可以控制，形成脓肿时需要切开引流。红肿沿手指蔓延、发热，或者患者有糖尿病时需要及时就医。
A: 这是甲沟炎。早期可以每天温水泡几次，外涂抗菌药膏，不要自己挤脓。如果已经形成明显脓包、红肿范围扩大、发烧，或者您有糖尿病，请到医院处理，可能需要切开引流。

Q: 大腿根部内侧起了一圈红斑，边缘有小疹子，很痒。
R: 腹股沟内侧出现环状红斑、边缘隆起有丘疹鳞屑、中央相对清晰、瘙痒明显，符合股癣，是真菌感染，潮湿多汗时容易发生，常与足癣同时存在。要避免误用激素药膏，否则会加重。外用抗真菌药2到4周通常有效。
A: 这很像股癣。保持局部干燥，穿宽松透气的棉质内裤，外用抗真菌药膏，症状消失后再坚持一到两周。如果有脚气要一起治。不要乱涂含激素的药膏，两周不见好请就医。

Q: 家里老人冬天全身皮肤痒，晚上更厉害，也没有疹子。
R: 老年人冬季出现没有原发皮疹的全身瘙痒，最常见的是皮肤干燥引起的乏脂性瘙痒，与皮脂分泌减少、洗澡过勤过烫有关。但也要考虑肝肾疾病、糖尿病、甲状腺问题、缺铁和药物等系统性原因。加强保湿后仍不缓解需要抽血检查。
A: 老人冬天皮肤痒多半是皮肤太干。洗澡不要太勤、水温不要太高，少用碱性香皂，洗完后全身涂保湿霜。如果保湿两周后还是很痒，或者伴有消瘦、乏力、皮肤发黄，请到医院抽血检查。

@ cardiology
Q: 体检心电图写着窦性心律不齐，严重吗？
R: 窦性心律不齐是指心跳节律随呼吸出现轻微快慢变化，吸气时稍快、呼气时稍慢，在儿童、青少年和健康年轻人中很常见，属于生理现象。如果没有心悸、头晕、晕厥等症状，一般不需要处理。有症状或合并其他心电图异常时才需进一步检查。
A: 单纯的窦性心律不齐大多是正常生理现象，和呼吸有关，不用担心，也不需要吃药。如果平时经常心慌、头晕或者晕倒过，请带着心电图到心内科看一下。

Q: 有高血压，还能每天喝咖啡吗？
R: 咖啡因可以使血压短暂升高，对不常喝咖啡的人影响更明显，长期习惯饮用者影响较小。多数研究显示，每天1到2杯的适量饮用对高血压患者总体影响不大。但如果饮用后心悸、血压明显升高或失眠，应减少。测血压前半小时应避免喝咖啡。
A: 多数高血压患者每天喝一两杯咖啡问题不大，但不要喝太浓太多。可以在喝咖啡前后各量一次血压看看影响。如果喝完心慌、失眠或血压明显升高，就要减量。测血压前半小时不要喝咖啡。

Q: 心脏超声说二尖瓣少量反流，需要治疗吗？
R: 心脏超声报告中少量或轻度瓣膜反流非常常见，很多健康人也会出现，属于生理性反流。关键看反流程度、瓣膜结构是否正常以及心脏大小和功能。轻度反流且结构正常时一般不需要治疗。中重度反流或出现气促、乏力等症状时才需要定期随访和干预。
A: 二尖瓣少量反流在健康人中很常见，如果心脏大小和功能都正常，一般不需要治疗，按医生建议定期复查心脏超声即可。如果出现活动后气短、乏力、脚肿，请到心内科就诊。

Q: 我有冠心病，运动时心率控制在多少比较合适？
R: 冠心病患者的运动强度应个体化，最好在运动负荷试验评估后制定。常用方法是靶心率或主观感觉：运动时微微出汗、可以说话但不能唱歌为中等强度。服用β受体阻滞剂的人心率会被压低，不能单纯用公式计算。出现胸痛、头晕等症状要立即停止。
A: 最好先做运动负荷试验，让医生帮您定一个安全的心率范围。一般以运动时能说话但不能唱歌、微微出汗为宜。如果在吃美托洛尔等减慢心率的药，要以自身感觉为准。运动中出现胸痛、头晕、心慌要立刻停下。

Q: 体检说颈动脉有斑块，会不会突然中风？
R: 颈动脉斑块是全身动脉粥样硬化的表现，在中老年人中很常见。风险取决于狭窄程度和斑块性质：狭窄重、斑块不稳定或已有短暂性脑缺血发作症状时，中风风险更高。控制血压、血脂、血糖和戒烟是基础，医生会评估是否需要他汀和抗血小板药。
A: 颈动脉斑块很常见，大多数不会马上引起中风，但提示要认真控制血压、血脂、血糖并戒烟。建议到心内科或神经内科评估狭窄程度，医生可能会开他汀。如果出现一侧手脚无力、说话不清或一只眼突然看不见，请立即拨打120。

Q: 吃他汀以后腿上肌肉酸痛，要停药吗？
R: 他汀类药物可引起肌肉酸痛，但真正由他汀导致的比例低于很多人的感受。需要查肌酸激酶排除肌肉损伤，严重的横纹肌溶解很少见，表现为剧烈肌痛、无力和茶色尿。轻度症状可以通过换药、减量或调整服药方式来解决，不宜擅自停药。
A: 请先不要自己停药，尽快让医生查一下肌酸激酶。多数轻度肌肉酸痛通过换一种他汀或调整剂量就能解决。如果出现明显乏力、肌肉剧痛或尿液像浓茶一样，请立即就医。

@ gastroenterology
Q: 吃一点就饱，饭后胃胀，做了胃镜也没查出问题。
R: 反复餐后饱胀、早饱或上腹痛，而胃镜等检查未发现器质性病变，符合功能性消化不良。它与胃排空、内脏敏感性和情绪有关。少量多餐、避免高脂食物和减压有帮助，部分人可用促动力药或抑酸药。新出现的消瘦、呕吐、贫血需要再次评估。
A: 这比较符合功能性消化不良，不是大病，但会影响生活。可以少食多餐、细嚼慢咽，少吃油腻和产气的食物，注意情绪和睡眠，医生也可以开改善胃动力的药。如果出现体重下降、呕吐或黑便，请再次就诊。

Q: 昨晚喝酒后吐了好几次，最后吐出来有血丝。
R: 剧烈呕吐后出现少量血丝，常见原因是食管与胃连接处的黏膜撕裂或咽喉部损伤，多数出血量小、可自行停止。但如果呕吐大量鲜血或咖啡色物、出现黑便、头晕心慌，提示出血较多，需要急诊处理。饮酒的人也要考虑胃炎和溃疡出血。
A: 少量血丝多是剧烈呕吐时食管黏膜轻微撕裂，一般会自行停止。先暂停饮酒，吃清淡软食，观察一两天。如果吐出大量鲜血或咖啡色的东西、出现黑便、头晕心慌，请立即去急诊。

Q: B超发现胆囊息肉5毫米，需要手术吗？
R: 胆囊息肉大多是胆固醇性息肉，属于良性。决定是否手术主要看大小和特征：直径达到或超过10毫米、短期内快速增大、宽基底或合并胆囊结石与症状时，恶变风险增加，通常建议手术。5毫米左右且没有症状的，一般定期复查B超即可。
A: 5毫米的胆囊息肉一般不需要手术，建议每6到12个月复查一次B超，观察大小变化。饮食规律，少吃油腻。如果息肉长到10毫米以上、增长很快，或经常右上腹疼痛，请到肝胆外科评估是否需要手术。

Q: 肠镜切了两个小息肉，多久需要再复查？
R: 肠镜复查间隔取决于息肉的数量、大小和病理类型。1到2个小于10毫米的低级别管状腺瘤，通常建议5到10年后复查；数量多、体积大或有高级别病变时需要缩短间隔。增生性小息肉风险更低。具体要看病理报告。
A: 复查时间要看病理报告。如果是1到2个小的普通腺瘤，一般5到10年后复查；如果息肉较大、较多或病理有高级别病变，可能1到3年就要复查。请带着病理结果问消化科医生，期间出现便血或排便习惯改变要及时就诊。

Q: 口臭很严重，刷牙也没用，是胃的问题吗？
R: 大多数口臭来源于口腔本身，比如舌苔厚、牙周病、龋齿和清洁不到位，其次是鼻窦炎和扁桃体结石。胃部原因占比较小，但胃食管反流和幽门螺杆菌感染可能有关。血糖控制不佳和肝肾疾病也会产生特殊气味。先从口腔检查入手比较合理。
A: 口臭大多数是口腔原因，建议先看牙医，检查牙周和龋齿，每天刷舌苔、用牙线。如果口腔没问题，可以再到耳鼻喉科或消化科检查，必要时查幽门螺杆菌。平时多喝水，少吃大蒜和洋葱。

Q: 最近一个月大便经常带黏液和血，一天拉好几次。
R: 持续数周的黏液脓血便、排便次数增多，需要考虑溃疡性结肠炎等炎症性肠病，也要排除感染性肠炎和结直肠肿瘤。伴随腹痛、发热、体重下降或贫血提示病情较重。肠镜加活检是明确诊断的关键。
A: 这种情况不能拖，请尽快到消化科就诊，医生可能会安排大便化验和肠镜检查。注意多补充水分。如果一天拉十次以上、大量出血、发高烧、头晕乏力，请直接去急诊。

Q: 便秘一直靠喝番泻叶，不喝就拉不出来，这样行吗？
R: 番泻叶属于刺激性泻药，短期使用有效，但长期依赖可能导致肠道对刺激的反应下降、电解质紊乱以及结肠黑变病。慢性便秘应先从饮食、饮水和运动调整，必要时使用聚乙二醇或乳果糖等渗透性泻药，相对更安全。有报警症状时需要做肠镜。
A: 长期靠番泻叶通便不太好，容易形成依赖，还可能导致肠道黑变和电解质紊乱。建议逐步减量，多吃蔬菜粗粮、多喝水、多运动，在医生指导下换用乳果糖等温和的药物。如果有便血或消瘦，请做肠镜检查。

@ neurology
Q: 每次坐车都头晕想吐，有没有办法预防？
R: 晕动病是眼睛看到的信息和内耳平衡感觉不一致引起的，儿童和女性更常见。坐在前排、看远处、避免在车上看手机，可以减轻症状。出发前半小时到一小时服用晕车药可以预防，但可能导致困倦。如果平时不坐车也头晕，需要另外检查。
A: 坐车时尽量坐前排、看远方，不要看手机或看书，开窗通风，出发前别吃太饱。可以在出发前半小时吃晕车药，但会犯困，吃完不要开车。如果平时不坐车也经常头晕，请到医院检查。

Q: 头痛以后天天吃止痛片，现在头痛反而越来越频繁了。
R: 原本有头痛的人，每月服用止痛药超过10到15天、持续3个月以上，容易出现药物过度使用性头痛，表现为头痛变得更频繁。治疗的关键是在医生指导下停用或减少过度使用的止痛药，同时开始预防性治疗。停药初期头痛可能暂时加重。
A: 这可能是止痛药吃太多引起的“药物过度使用性头痛”。建议到神经内科就诊，在医生指导下逐步减少止痛药，并开始用预防头痛的药物。记录每天的头痛和用药情况。如果出现突然剧烈头痛或手脚无力，请立即就医。

Q: 脖子一转动就头晕，是不是颈椎病压迫血管了？
R: 很多人把头晕归因于颈椎病，但真正由颈椎压迫血管引起的眩晕其实很少见。转头时头晕更常见的原因是耳石症、前庭功能问题或体位性低血压。老年人伴言语不清、视物重影、走路不稳，还要警惕后循环缺血。需要详细问诊和检查来区分。
A: 转头就晕，更常见的是耳石症等内耳问题，颈椎病引起的其实不多。建议到神经内科或眩晕门诊检查，明确原因再治疗。如果头晕时同时说话不清、看东西重影、走路不稳或手脚无力，请立即去急诊。

Q: 喝醉后压着胳膊睡了一夜，醒来手腕抬不起来了。
R: 上臂长时间受压后出现垂腕、手背虎口区麻木，是桡神经受压麻痹的典型表现，常见于醉酒或深睡后压着手臂。多数为神经暂时性传导障碍，几周到几个月内逐渐恢复。需要排除脑卒中：如果同时有口角歪斜、言语障碍或腿无力，应立即就医。
A: 这很像压迫导致的桡神经麻痹，多数几周到几个月会慢慢恢复。可以到神经内科确认，医生可能会建议戴腕部支具、做康复锻炼。如果同时出现嘴歪、说话不清或腿没力气，要马上拨打120排除中风。

Q: 晚上睡觉小腿经常抽筋，是缺钙吗？
R: 夜间小腿肌肉痉挛很常见，多数原因不明，与肌肉疲劳、久站、脱水、受凉有关，孕妇和老年人更常见。真正因缺钙导致的抽筋并不多，低镁、低钾以及利尿剂、他汀等药物也可能相关。频繁发作或伴有肌无力、麻木时需要抽血检查。
A: 夜间腿抽筋大多不是缺钙引起的。睡前拉伸小腿、注意保暖、白天多喝水会有帮助，抽筋时把脚尖往回勾可以缓解。如果非常频繁、伴有腿麻无力，或者在吃利尿剂等药物，请就医查一下电解质。

Q: 老伴睡觉时经常大喊大叫、拳打脚踢，像在梦里打架。
R: 睡眠中反复出现喊叫、拳打脚踢等与梦境内容一致的动作，要考虑快速眼动睡眠行为障碍。它多见于50岁以上男性，可能是帕金森病等神经退行性疾病的早期信号。需要做多导睡眠监测确诊，并注意睡眠环境安全，避免伤到自己或同床者。
A: 这种情况需要警惕快速眼动睡眠行为障碍，建议到神经内科或睡眠门诊做睡眠监测。卧室里移走尖锐物品，床边放软垫，必要时分床睡以免受伤。医生确诊后有药物可以控制。
"""

# --------------------------------------------------------------------------------------------------
# Extra defect rows (jsonl). Each dict is written as is (a key left out is absent from the row).
# --------------------------------------------------------------------------------------------------

_LONG_EN_PARAGRAPH = (
    "Reduce salt, stay active for at least 30 minutes on most days, keep a healthy weight, limit "
    "alcohol, stop smoking and eat plenty of vegetables, fruit and whole grains. "
)
_LONG_ZH_PARAGRAPH = (
    "三餐定时定量，细嚼慢咽，少吃辛辣油腻和过烫的食物，戒烟限酒，避免长期自行服用止痛药，保持心情舒畅。"
)
_LONG_EN_QUESTION = (
    "I have been getting headaches almost every day for the past month, mostly in the afternoon, "
    "sometimes with a stiff neck and tired eyes after work, and I am worried it might be something serious. "
)


def _repeat_past(paragraph: str, limit: int) -> str:
    """`paragraph` repeated until the text is longer than `limit` (plus a margin)."""
    times = limit // len(paragraph) + 6
    return (paragraph * times).strip()


def defect_rows() -> list[tuple[str, dict]]:
    """The 20 extra defect rows that are not duplicates, as (kind, row), in file order."""
    im, ped, derm, card, gi, neuro = DEPARTMENTS
    return [
        (
            "answer_empty",
            {
                "question": "Can I take paracetamol and ibuprofen together for a bad toothache?",
                "reasoning": "Paracetamol and ibuprofen work differently and can be combined or alternated in adults "
                "for short periods at standard doses. Ibuprofen should be avoided with stomach ulcers, "
                "kidney disease or some heart conditions. A toothache that needs both usually means a "
                "dental infection that painkillers will not cure.",
                "answer": "",
                "department": im,
                "lang": "en",
            },
        ),
        (
            "question_one_char",
            {
                "question": "?",
                "reasoning": "The message contains only a question mark and no description of symptoms, age or "
                "duration. No clinical assessment is possible without this information. The safest "
                "reply asks for details and gives general safety advice.",
                "answer": "Could you tell me more about your symptoms, how long you have had them, and your age? If "
                "you feel very unwell, have chest pain or trouble breathing, please seek medical care right away.",
                "department": im,
                "lang": "en",
            },
        ),
        (
            "reasoning_absent",
            {
                "question": "How many hours should my 5-year-old sleep each night?",
                "answer": "Children aged 3-5 need about 10-13 hours of sleep in 24 hours, including naps. A regular "
                "bedtime routine and no screens before bed help. See a doctor if your child snores loudly, "
                "stops breathing in sleep or is very sleepy during the day.",
                "department": ped,
                "lang": "en",
            },
        ),
        (
            "answer_empty",
            {
                "question": "孩子半夜突然喊肚子疼，摸着不发烫，要去急诊吗？",
                "reasoning": "儿童夜间腹痛常见原因有便秘、肠胀气、胃肠炎和肠系膜淋巴结炎。需要警惕的情况包括持续加重的腹痛、"
                "右下腹固定压痛、呕吐胆汁、血便以及精神萎靡。没有发热、能正常入睡的孩子多数问题不大，但仍需观察。",
                "answer": "",
                "department": ped,
                "lang": "zh",
            },
        ),
        (
            "question_empty",
            {
                "question": "",
                "reasoning": "Hiccups come from repeated spasms of the diaphragm, often set off by eating fast, fizzy "
                "drinks or alcohol. Most episodes stop within minutes to hours. Hiccups lasting more than "
                "48 hours can point to an underlying medical problem and need evaluation.",
                "answer": "Most hiccups stop on their own. Sipping cold water, holding your breath briefly or eating "
                "slowly can help. See a doctor if hiccups last more than two days or come with trouble "
                "swallowing, chest pain or weight loss.",
                "department": gi,
                "lang": "en",
            },
        ),
        (
            "boilerplate",
            {
                "question": "Should I double my metformin dose if my sugar is high after dinner?",
                "reasoning": "The patient asks whether to change a prescribed diabetes medicine dose based on a single "
                "high reading after a meal, which depends on their full treatment plan.",
                "answer": "As an AI language model, I cannot give medical advice. Please consult a qualified "
                "healthcare professional.",
                "department": im,
                "lang": "en",
            },
        ),
        (
            "answer_empty",
            {
                "question": "What SPF sunscreen should I use every day?",
                "reasoning": "Daily sun protection reduces sunburn, skin aging and skin cancer risk. A broad-spectrum "
                "sunscreen of SPF 30 or higher suits most people. Most people apply too little, and "
                "reapplying every two hours outdoors matters as much as the SPF number.",
                "answer": "",
                "department": derm,
                "lang": "en",
            },
        ),
        (
            "answer_too_long",
            {
                "question": "What lifestyle changes help lower blood pressure?",
                "reasoning": "Lifestyle measures each lower blood pressure by a few points, and together they add up. "
                "The strongest are weight loss, less salt, regular aerobic exercise, limiting alcohol and "
                "a diet rich in vegetables and fruit. Medicine may still be needed if readings stay high.",
                "answer": _repeat_past(_LONG_EN_PARAGRAPH, 21_000),
                "department": card,
                "lang": "en",
            },
        ),
        (
            "answer_blank",
            {
                "question": "吃了降压药以后一站起来就头晕，是药量太大了吗？",
                "reasoning": "服用降压药后起立时头晕，要考虑体位性低血压，可能与剂量偏大、联合多种降压药、脱水或天气炎热有关。"
                "老年人和糖尿病患者更常见。测量卧位和站立后的血压可以帮助判断，需要由医生调整方案，而不是自行停药。",
                "answer": "   ",
                "department": card,
                "lang": "zh",
            },
        ),
        (
            "reasoning_null",
            {
                "question": "冬天手上皲裂出血，应该怎么护理？",
                "reasoning": None,
                "answer": "冬天手部皲裂多与干燥、频繁洗手和接触洗涤剂有关。洗手后及时涂厚一些的护手霜，做家务戴手套，"
                "晚上可以厚涂凡士林后戴棉手套。裂口红肿化脓或长期不愈合时请到皮肤科就诊。",
                "department": derm,
                "lang": "zh",
            },
        ),
        (
            "question_too_long",
            {
                "question": _repeat_past(_LONG_EN_QUESTION, 3_000),
                "reasoning": "The repeated description points to daily afternoon headaches linked to work, neck "
                "stiffness and eye strain, which fits tension-type headache. No red flags such as sudden "
                "onset, weakness, fever or vomiting are described. Frequent painkiller use could also "
                "keep daily headaches going.",
                "answer": "Your headaches sound like tension-type headaches related to posture and screen time. Take "
                "regular breaks, check your eyesight and limit painkillers to a few days a week. See a doctor "
                "if they worsen, wake you at night or come with weakness, vomiting or fever.",
                "department": neuro,
                "lang": "en",
            },
        ),
        (
            "answer_blank",
            {
                "question": "Is it okay to drink coffee if I have a stomach ulcer?",
                "reasoning": "Coffee does not cause ulcers but can increase acid and worsen symptoms in some people. "
                "The main causes of ulcers are a stomach infection and anti-inflammatory drugs. Healing "
                "depends on acid suppression and treating the cause rather than strict diet rules.",
                "answer": "\n",
                "department": gi,
                "lang": "en",
            },
        ),
        (
            "question_empty",
            {
                "question": " ",
                "reasoning": "经常熬夜会打乱生物钟，影响血压、血糖和免疫功能，也会降低白天的注意力。偶尔熬夜后通过补觉可以部分"
                "恢复，但长期睡眠不足的影响无法靠周末补回来。规律作息比补觉更重要。",
                "answer": "尽量固定上床和起床时间，每天保证7小时左右的睡眠，熬夜后中午可以小睡20到30分钟。如果长期入睡困难"
                "或白天极度困倦，请到医院就诊。",
                "department": im,
                "lang": "zh",
            },
        ),
        (
            "answer_blank",
            {
                "question": "耳朵里嗡嗡响好几天了，需要看神经科吗？",
                "reasoning": "耳鸣多与耳部问题有关，如耵聍堵塞、噪音损伤、中耳炎或年龄相关的听力下降，通常先看耳鼻喉科。单侧"
                "持续耳鸣伴听力下降，要排除突发性耳聋和听神经瘤。伴眩晕、面部麻木或肢体无力时，才需要神经科评估。",
                "answer": " \t ",
                "department": neuro,
                "lang": "zh",
            },
        ),
        (
            "question_one_char",
            {
                "question": "嗯",
                "reasoning": "患者只回复了一个字，没有提供症状、年龄和持续时间等信息，无法进行判断。对于这样的提问，不应猜测病情"
                "或给出具体用药建议。需要进一步询问具体情况，同时给出一般性的安全提醒，避免延误急症。",
                "answer": "请您详细说说哪里不舒服、持续多久了、多大年龄，有没有发烧或其他症状。如果感觉非常难受、呼吸困难或"
                "胸痛，请立即就医。",
                "department": im,
                "lang": "zh",
            },
        ),
        (
            "reasoning_null",
            {
                "question": "Is it safe to take a decongestant if I have high blood pressure?",
                "reasoning": None,
                "answer": "Decongestants like pseudoephedrine can raise blood pressure and heart rate, so avoid them if "
                "your blood pressure is not well controlled. Saline or steroid nasal sprays are safer. Ask "
                "your pharmacist or doctor before taking any cold medicine.",
                "department": card,
                "lang": "en",
            },
        ),
        (
            "answer_absent",
            {
                "question": "Is it safe to drive after having a single seizure?",
                "reasoning": "After a first unprovoked seizure, the risk of another is highest in the following months. "
                "Most countries restrict driving for a set period after a seizure, often six months. A "
                "doctor will look for the cause with tests such as an EEG and brain imaging.",
                "department": neuro,
                "lang": "en",
            },
        ),
        (
            "answer_too_long",
            {
                "question": "平时怎样做才能养胃？",
                "reasoning": "所谓“养胃”主要是减少对胃黏膜的刺激、规律进食，并处理好幽门螺杆菌和药物等致病因素。饮食不规律、"
                "暴饮暴食、饮酒吸烟和长期服用止痛药是常见的伤胃因素。有报警症状时需要做胃镜，而不是单靠饮食调理。",
                "answer": _repeat_past(_LONG_ZH_PARAGRAPH, 21_000),
                "department": gi,
                "lang": "zh",
            },
        ),
        (
            "boilerplate",
            {
                "question": "宝宝咳嗽，能喝大人的止咳糖浆吗？",
                "reasoning": "家长询问能否给婴幼儿使用成人止咳药，需要考虑药物成分和剂量是否适合儿童，以及孩子的年龄和咳嗽原因，"
                "这些都需要结合具体情况判断。",
                "answer": "作为一个AI语言模型，我无法提供医疗建议，请咨询专业医生。",
                "department": ped,
                "lang": "zh",
            },
        ),
        (
            "answer_absent",
            {
                "question": "喝了冰饮料以后胃痛、拉肚子，要吃药吗？",
                "reasoning": "大量冷饮可能刺激胃肠道，引起胃肠痉挛和一过性腹泻，多数在休息后很快缓解。如果同时有发热、呕吐、"
                "剧烈腹痛或便血，要考虑急性胃肠炎或其他原因。轻症以补液和清淡饮食为主。",
                "department": gi,
                "lang": "zh",
            },
        ),
    ]


# --------------------------------------------------------------------------------------------------
# In-place edits of base rows (kept rows that need normalizing)
# --------------------------------------------------------------------------------------------------

# en rows with full-width letters/digits: (marker in the question, replacements for every field)
FULLWIDTH_EN = (
    (
        "150/95",
        (("blood pressure reading", "ＢＰ reading"), ("150/95", "１５０/９５"), ("5 minutes", "５ minutes")),
    ),
    ("38.8°C", (("38.8°C", "３８.８℃"),)),
    ("6.4 mmol/L", (("6.4 mmol/L", "６.４ ｍｍｏｌ/Ｌ"),)),
    ("4.5 mmol/L", (("LDL", "ＬＤＬ"), ("4.5", "４.５"))),
)
FW_TO_HW = {"，": ",", "：": ":", "？": "?", "（": "(", "）": ")"}


def mix_punctuation(row: dict, start: int) -> dict:
    """Turn every other full-width ，：？（） into its half-width twin (one alternation per mark)."""
    row = dict(row, answer=("您好：" if start % 2 else "您好，") + row["answer"])
    count = {ch: start + (ch == "（") for ch in FW_TO_HW}
    for key in ("question", "reasoning", "answer"):
        out = []
        for ch in row[key]:
            if ch in FW_TO_HW:
                out.append(FW_TO_HW[ch] if count[ch] % 2 else ch)
                count[ch] += 1
            else:
                out.append(ch)
        row[key] = "".join(out)
    return row


def html_answer(answer: str, variant: int) -> str:
    """Stray HTML as scraped pages leave it."""
    if variant == 0:  # en, a <p> per sentence
        return "".join(f"<p>{s}</p>" for s in re.split(r"(?<=[.!?])\s+", answer))
    if variant == 1:  # en, entities and a <br/>
        answer = answer.replace(" and ", " &amp; ", 1)
        return answer.replace(". ", ".&nbsp;", 1).replace(". ", ".<br/>", 1)
    if variant == 2:  # zh
        return "<p>" + answer.replace("。", "。<br/>", 1) + "</p>"
    return "&nbsp;&nbsp;" + answer.replace("。", "。<br/><br/>", 1) + "&nbsp;"  # zh


# --------------------------------------------------------------------------------------------------
# Near-duplicate variants: cosmetic changes only
# --------------------------------------------------------------------------------------------------


def near_duplicate(row: dict, k: int) -> dict:
    q, a = row["question"], row["answer"]
    if row["lang"] == "en":
        v = k % 5
        if v == 0:
            q = q.lower()
        elif v == 1:
            q, a = q.replace(" ", "  ", 3), a + " "
        elif v == 2:
            q = (q[:-1] if q.endswith("?") else q) + "？"
        elif v == 3:
            q, a = q.upper(), a + "\n"
        else:
            q, a = "  " + q + " ", a.replace(". ", ".  ")
    else:
        v = k % 5
        if v == 0:
            q, a = q.replace("，", ",").replace("：", ":"), a.replace("，", ",").replace("：", ":")
        elif v == 1:
            q, a = (q[:-1] + "?" if q.endswith("？") else q.rstrip("。")), a + "\n"
        elif v == 2:
            q, a = " " + q + "  ", a.replace("，", ",", 2)
        elif v == 3:
            q, a = q.rstrip("？。"), a + "\n"
        else:
            q, a = q + "\n", a.replace("，", ", ")
    return dict(row, question=q, answer=a)


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def parse(block: str, lang: str) -> list[dict]:
    items, dept, cur = [], None, {}
    for line in block.strip().splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("@ "):
            dept = line[2:].strip()
            continue
        tag, _, text = line.partition(": ")
        key = {"Q": "question", "R": "reasoning", "A": "answer"}[tag]
        cur[key] = text.strip().replace("\\n", "\n")
        if key == "answer":
            items.append(
                {
                    "question": cur["question"],
                    "reasoning": cur["reasoning"],
                    "answer": cur["answer"],
                    "department": dept,
                    "lang": lang,
                }
            )
            cur = {}
    return items


def norm(text: str | None) -> str:
    """The dedup key: NFKC, lower case, punctuation/symbols/whitespace removed."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(c for c in text if not (c.isspace() or unicodedata.category(c)[0] in "PS"))


def row_key(row: dict) -> tuple:
    return tuple(norm(row.get(k)) for k in KEYS)


def check_items(items: list[dict], what: str) -> None:
    problems, seen = [], set()
    for it in items:
        q, r, a = it["question"], it["reasoning"], it["answer"]
        for name, text, lo, hi in (
            ("question", q, 10, 120),
            ("reasoning", r, 80, 400),
            ("answer", a, 40, 300),
        ):
            if not lo <= len(text) <= hi:
                problems.append(f"{what}: {name} has {len(text)} chars (want {lo}-{hi}): {text[:40]!r}")
        if it["department"] not in DEPARTMENTS:
            problems.append(f"{what}: bad department {it['department']!r}")
        if norm(q) in seen:
            problems.append(f"{what}: repeated question {q!r}")
        seen.add(norm(q))
    if problems:
        raise SystemExit("\n".join(problems))


def ordered(row: dict) -> dict:
    return {k: row[k] for k in KEYS if k in row}


def by_hash(item: dict) -> str:
    return hashlib.sha256(item["question"].encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------------


def build_jsonl() -> tuple[list[dict], Counter]:
    en, zh = parse(EN_DATA, "en"), parse(ZH_DATA, "zh")
    check_items(en + zh, "jsonl base")
    base = sorted(en + zh, key=by_hash)
    n = len(base)
    kinds: Counter = Counter()
    used: set[int] = set()

    def take(candidates: list[int], start: int, pred=lambda i: True) -> int:
        for i in candidates[start:] + candidates[:start]:
            if i not in used and pred(i):
                used.add(i)
                return i
        raise RuntimeError("no free row left")

    en_idx = [i for i, r in enumerate(base) if r["lang"] == "en"]
    zh_idx = [i for i, r in enumerate(base) if r["lang"] == "zh"]

    # full-width letters/digits in en rows
    for marker, repl in FULLWIDTH_EN:
        i = next(i for i in en_idx if marker in base[i]["question"])
        used.add(i)
        row = dict(base[i])
        for key in ("question", "reasoning", "answer"):
            for old, new in repl:
                row[key] = row[key].replace(old, new)
        assert row["question"] != base[i]["question"]
        base[i] = row
        kinds["fullwidth_en"] += 1

    # mixed half-/full-width punctuation in zh rows
    with_paren = [i for i in zh_idx if "（" in base[i]["reasoning"] + base[i]["answer"]]
    mixed = [take(with_paren, j * len(with_paren) // 5) for j in range(5)]
    mixed += [take(zh_idx, 7 + 15 * j) for j in range(5)]
    for j, i in enumerate(sorted(mixed)):
        base[i] = mix_punctuation(base[i], j)
        text = base[i]["question"] + base[i]["reasoning"] + base[i]["answer"]
        assert any(c in text for c in FW_TO_HW) and any(c in text for c in FW_TO_HW.values())
        kinds["mixed_punct_zh"] += 1

    # stray HTML in answers
    for variant, (cands, start) in enumerate(((en_idx, 50), (en_idx, 9), (zh_idx, 30), (zh_idx, 71))):
        pred = (lambda i: " and " in base[i]["answer"]) if variant == 1 else (lambda i: True)
        i = take(cands, start, pred)
        base[i] = dict(base[i], answer=html_answer(base[i]["answer"], variant))
        kinds["html"] += 1

    # where extra rows go: after[i] = rows written right after base row i
    after: dict[int, list[tuple[str, dict]]] = defaultdict(list)
    all_idx = list(range(n))
    for j in range(10):
        src = take(all_idx, 4 + 14 * j)
        after[min(src + 9, n - 1)].append(("exact_duplicate", dict(base[src])))
    for j in range(10):
        src = take(all_idx, 11 + 14 * j)
        dup = near_duplicate(base[src], j)
        assert row_key(dup) == row_key(base[src]) and dup != base[src], dup
        after[min(src + 6, n - 1)].append(("near_duplicate", dup))
    for j, (kind, row) in enumerate(defect_rows()):
        after[round(2 + j * 7.6)].append((kind, row))

    rows: list[dict] = []
    for i, row in enumerate(base):
        rows.append(row)
        for kind, extra in after[i]:
            rows.append(extra)
            kinds[kind] += 1
    return rows, kinds


def build_csv(jsonl_rows: list[dict]) -> list[list[str]]:
    items = parse(CSV_DATA, "zh")
    check_items(items, "csv")
    known = {norm(r.get("question")) for r in jsonl_rows}
    clash = [it["question"] for it in items if norm(it["question"]) in known]
    assert not clash, f"csv questions also in the jsonl: {clash}"
    items = sorted(items, key=by_hash)
    rows = [[it["question"], it["reasoning"], it["answer"], it["department"]] for it in items]
    blank = next(r for r in rows if r[0].startswith("口臭很严重"))
    blank[2] = ""  # defect: empty answer
    assert rows[5] is not blank
    rows.insert(26, list(rows[5]))  # defect: exact duplicate
    assert any("," in f for r in rows for f in r) and any("\n" in f for r in rows for f in r)
    return rows


def main() -> None:
    rows, kinds = build_jsonl()
    expected = {
        "exact_duplicate": 10,
        "near_duplicate": 10,
        "answer_empty": 3,
        "answer_blank": 3,
        "answer_absent": 2,
        "reasoning_absent": 1,
        "reasoning_null": 2,
        "question_empty": 2,
        "question_one_char": 2,
        "answer_too_long": 2,
        "question_too_long": 1,
        "boilerplate": 2,
        "mixed_punct_zh": 10,
        "fullwidth_en": 4,
        "html": 4,
    }
    assert dict(kinds) == expected, dict(kinds)
    assert all(len(r["answer"]) > 20_000 for r in rows if len(r.get("answer") or "") > 300)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(ordered(r), ensure_ascii=False) + "\n" for r in rows)
    JSONL_PATH.write_bytes(text.encode("utf-8"))

    csv_rows = build_csv(rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows)
    data = buf.getvalue().encode("gb18030")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        raise AssertionError("the CSV must not be valid UTF-8")
    CSV_PATH.write_bytes(data)

    per_dept = Counter(r["department"] for r in rows)
    per_lang = Counter(r["lang"] for r in rows)
    print(f"{JSONL_PATH.relative_to(ROOT)}: {len(rows)} rows, {JSONL_PATH.stat().st_size} bytes")
    print(f"  lang {dict(per_lang)}; department {dict(per_dept)}")
    print("  defects " + ", ".join(f"{k}={v}" for k, v in expected.items()))
    print(
        f"{CSV_PATH.relative_to(ROOT)}: {len(csv_rows)} rows + header, {CSV_PATH.stat().st_size} bytes (GB18030)"
    )


if __name__ == "__main__":
    main()
