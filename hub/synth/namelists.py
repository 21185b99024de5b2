"""Synthetic name and street lists for a diverse UK city.

Every name here is a common given or family name (or a made-up street name); no list comes
from, or describes, any real person. Names are grouped by a broad origin so that given and
family names of one person go together plausibly, and each list is in rough order of
popularity: the generator weights by rank (Zipf-like), so "Mohammed Khan" and "Jack Smith"
recur as they do in real registers, which is what makes name-based linkage hard.

The lists are plain whitespace-separated strings: cheap to hold, parsed only when a
generator asks for them (nothing happens at import).
"""

from __future__ import annotations

#: Share of the city's population by name origin (a diverse English city, roughly census-like).
ORIGIN_SHARES: dict[str, float] = {
    "british": 0.50,
    "south_asian": 0.27,
    "black": 0.11,
    "east_european": 0.05,
    "other": 0.07,
}

#: Origin shares among children and young adults: a younger, more diverse cohort.
YOUNG_ORIGIN_SHARES: dict[str, float] = {
    "british": 0.42,
    "south_asian": 0.31,
    "black": 0.14,
    "east_european": 0.05,
    "other": 0.08,
}

GIVEN_MALE: dict[str, str] = {
    "british": """
        Oliver Jack Harry George Noah Charlie Jacob Thomas Oscar William James Leo Alfie
        Joshua Freddie Archie Henry Ethan Isaac Joseph Samuel Daniel Max Lucas Logan Alexander
        Adam Dylan Liam Riley Finley Theo Callum Kyle Connor Jake Luke Lewis Ryan Reece Jordan
        Nathan Ben Aaron Tyler Kieran Bradley Liam Jamie Shane Dean Lee Craig Wayne Darren Gary
        Paul Mark David John Michael Robert Richard Stephen Andrew Christopher Matthew Peter
        Anthony Kevin Steven Martin Ian Simon Neil Jason Carl Scott Sean Patrick Declan Conor
        Ciaran Brendan Kenneth Keith Brian Terry Barry Graham Colin Trevor Alan Derek Roy Ronald
        Raymond Dennis Frank Albert Arthur Harold Leonard Stanley Edward Frederick Toby Mason
        Elliot Jonathan Jon Nicholas Benjamin Louis Alex Reuben Tommy Billy Harvey Jayden Kai
        Morgan Rhys Owen Evan Gareth Aidan Ross Stuart
    """,
    "south_asian": """
        Mohammed Muhammad Mohammad Ali Ahmed Hassan Hussain Ibrahim Yusuf Zain Ayaan Imran Bilal
        Adam Omar Usman Hamza Abdullah Zakariya Ismail Aryan Arjun Rohan Rahul Amir Faisal
        Tariq Asif Kamran Shahid Zubair Waqar Nadeem Naveed Sajid Khalid Irfan Arif Javed
        Rizwan Adnan Farhan Haris Rayyan Musa Idris Harun Junaid Shakeel Amjad Aftab Sohail
        Zahid Mahmood Rashid Shabir Karim Aziz Rehan Danyal Zayn Aadam Safwan Ehsan Sameer
        Gurpreet Harpreet Jaspreet Manpreet Jaswinder Sukhwinder Gurdeep Amarjit Balvinder
        Ranjit Harjit Inderjit Kuldip Sandeep Rajinder Raj Vikram Sanjay Ajay Vijay Anil Sunil
        Ravi Deepak Nikhil Kiran Amit Pradeep Rakesh Dinesh Mahesh Suresh Ramesh Krishna Dev
        Anish Nirav Jay Arman Shahzad Abdul Rahim Saleem Nasir Akbar Shoaib Wasim Azhar
    """,
    "black": """
        David Daniel Joshua Samuel Emmanuel Michael Jerome Tyrone Marcus Andre Kwame Kofi Kojo
        Kwaku Yaw Kwabena Chinedu Chidi Obinna Emeka Ikenna Tunde Femi Segun Ade Tobi Dayo
        Olumide Oluwaseun Babatunde Musa Abdi Mohamed Ahmed Abdirahman Abdullahi Hassan Omar
        Jamal Malik Darnell Leon Levi Isaiah Elijah Nathaniel Jermaine Dwayne Delroy Winston
        Clive Errol Desmond Trevor Leroy Courtney Junior Kyle Reuben Caleb Josiah Ezekiel
        Precious Blessing Godwin Prince Kelvin Patrick Felix Tendai Tafadzwa Themba Sipho
        Kayode Adebayo Ayodele Chukwuemeka Uche Nnamdi Kelechi Ebuka Jayden Kai Tyreece Shaquille
        Rashad Kareem Amari Jahmal Omari Zion
    """,
    "east_european": """
        Jakub Kacper Szymon Filip Jan Mateusz Bartosz Piotr Pawel Tomasz Krzysztof Marcin
        Lukasz Michal Adrian Dawid Kamil Wojciech Andrzej Marek Grzegorz Rafal Sebastian
        Patryk Dominik Damian Ionut Andrei Alexandru Mihai Florin Cristian Bogdan Gabriel
        Stefan Vlad Marius Darius Ivan Dmitri Nikolai Oleksandr Taras Bohdan Yuriy Tomas Martin
        Lukas Jonas Mantas Tadas Arturas Aleksander Milan Petr Marian
    """,
    "other": """
        Ahmad Mustafa Karim Youssef Yusuf Mahmoud Khalil Samir Nabil Rami Walid Tarek Ziad
        Mehdi Reza Ali Amir Hossein Dariush Arash Kaveh Farid Ehsan Abdi Abdirizak Liban Hamse
        Mahad Guled Sahal Mohamed Wei Jun Hao Ming Jian Lei Chen Kevin Jason Tony Minh Duc
        Tuan Long Thanh Nam Carlos Luis Diego Pedro Mateo Rafael Bruno Tiago Joao Kenji Hiroshi
        Daniel Michael Alexander Adam Noah Elias Leon Karwan Dilan Rebin Hemin Aram Shwan
    """,
}

GIVEN_FEMALE: dict[str, str] = {
    "british": """
        Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Willow Freya Florence
        Emily Ella Poppy Evie Charlotte Sophie Chloe Jessica Ellie Lucy Holly Megan Hannah
        Lauren Bethany Abigail Katie Amy Rebecca Laura Emma Sarah Rachel Gemma Kelly Nicola
        Claire Lisa Michelle Joanne Donna Karen Tracey Julie Sharon Jacqueline Susan Elizabeth
        Catherine Kathryn Margaret Patricia Linda Christine Carol Janet Sandra Deborah Helen
        Jennifer Jenny Victoria Vicky Samantha Sam Natalie Stacey Leanne Kerry Jade Danielle
        Shannon Courtney Paige Kayleigh Chelsea Demi Jasmine Summer Daisy Phoebe Millie Maisie
        Scarlett Ruby Eva Matilda Harriet Imogen Alice Elsie Edith Violet Dorothy Joan Doreen
        Brenda Pauline Maureen Eileen Sheila Irene Jean Valerie Siobhan Niamh Aoife Ciara
        Caitlin Erin Roisin Bridget Mary Anne Louise Kirsty Zoe Abbie Tia Leah Molly Lexi
    """,
    "south_asian": """
        Aisha Ayesha Fatima Maryam Zainab Khadija Hafsa Amina Safa Hana Zara Zahra Inaya Anaya
        Aleena Alisha Iqra Sana Saima Nadia Rukhsana Shazia Nazia Farzana Samina Shabana Tahira
        Naheed Rubina Yasmin Yasmeen Bushra Sidra Mehwish Noor Sumaiya Sumayyah Ruqayyah Asma
        Hira Laiba Eman Manahil Mariam Aliza Amira Sofia Inaaya Hajra Humaira Razia Parveen
        Nasreen Shamim Kausar Tasleem Jasmin Nusrat Salma Rehana Shahnaz Ruksana Gurpreet
        Harpreet Jaspreet Manpreet Amandeep Simran Navdeep Kiranjit Rajwinder Sukhjit Jasvir
        Harjinder Balbir Priya Pooja Anjali Neha Sunita Anita Kavita Seema Rekha Meena Asha Nisha
        Divya Riya Shreya Sapna Hema Geeta Leela Radhika Deepa Sonia Reena Tanvi
    """,
    "black": """
        Grace Blessing Precious Mercy Joy Faith Esther Ruth Deborah Comfort Patience Abena Ama
        Akosua Efua Adwoa Akua Yaa Adjoa Chioma Ngozi Adaeze Chiamaka Amaka Nneka Ifeoma Funmilayo
        Folake Bukola Yetunde Temitope Tolu Titilayo Kemi Bisi Fatuma Hodan Hibo Sagal Ifrah
        Ayaan Farhiya Naima Fadumo Sahra Asha Amina Shanice Shantelle Tanisha Keisha Chantelle
        Aaliyah Imani Nia Zuri Amara Kezia Tamara Rochelle Marcia Beverley Yvonne Sonia Paulette
        Hyacinth Merlene Janice Jasmine Destiny Serena Tiana Kayla Naomi Hope Tendai Rutendo
        Nyasha Chipo Thandiwe Nomvula Zanele Monique Simone Candice
    """,
    "east_european": """
        Zuzanna Julia Zofia Maja Hanna Lena Alicja Natalia Oliwia Wiktoria Aleksandra Katarzyna
        Magdalena Agnieszka Joanna Anna Marta Monika Ewa Karolina Paulina Dominika Patrycja
        Justyna Beata Ioana Andreea Elena Maria Alexandra Bianca Cristina Daniela Raluca Irina
        Olena Oksana Yulia Tetiana Svetlana Natasha Lucie Petra Jana Simona Ieva Egle Ruta Laura
        Kristina Viktoria
    """,
    "other": """
        Fatima Mariam Layla Leila Nour Yasmin Rania Huda Samira Lina Dina Rana Sara Hiba Reem
        Maryam Zahra Shirin Parisa Nazanin Roya Leyla Hodan Ubah Anisa Filsan Idil Ikran Ladan
        Hamdi Mei Li Xin Ying Hui Lan Jing Yan Linh Mai Trang Thao Hoa Lan Ana Sofia Lucia
        Camila Isabel Carla Ines Beatriz Yuki Aiko Sakura Hana Dilan Shilan Avin Rezan Sozan
    """,
}

FAMILY: dict[str, str] = {
    "british": """
        Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson
        Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson
        Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan
        Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell
        Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan
        Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb
        Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes
        Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham
        Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders
        Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Gill Dawson
        Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes
        Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn
        Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton O'Connor
        Kennedy Doyle Byrne McDonald McCarthy O'Neill Quinn Gallagher Lynch Brennan Doherty
    """,
    "south_asian": """
        Khan Ahmed Ali Hussain Begum Akhtar Iqbal Mahmood Rahman Shah Hussein Bibi Aslam
        Hussan Mohammed Sharif Mirza Malik Qureshi Butt Chaudhry Choudhury Chowdhury Rashid
        Javed Latif Nawaz Yousaf Riaz Saddiq Siddique Hanif Anwar Bashir Karim Majid Akram
        Rafiq Sadiq Hamid Arshad Miah Uddin Islam Haque Hoque Miah Ullah Zaman Raza Abbasi
        Sheikh Kazmi Bukhari Ashraf Aziz Kauser Naz Parveen Sultana Singh Kaur Gill Sandhu Sidhu
        Dhillon Sahota Bains Johal Basra Grewal Rai Sangha Virdi Atwal Patel Shah Mistry Parmar
        Chauhan Solanki Joshi Sharma Kumar Mehta Desai Modi Lad Bhatt Gupta Verma Chopra Malhotra
        Kapoor
    """,
    "black": """
        Williams Campbell Brown Smith Johnson Thomas Francis Clarke Lewis James Henry Grant
        Reid Edwards Robinson Walker Stewart Morgan Richards Samuels Bailey Gordon Bennett Daley
        Mensah Owusu Boateng Asante Osei Appiah Agyeman Darko Adjei Amoah Okafor Okonkwo Eze
        Nwosu Obi Adeyemi Adebayo Ogunleye Okoro Olawale Balogun Bello Afolabi Oyelaran Ibrahim
        Mohamed Hassan Abdi Farah Ali Warsame Jama Yusuf Omar Egal Nur Mohamud Dube Moyo Ncube
        Sibanda Ndlovu Banda Phiri Mwangi Kamau Otieno Ochieng
    """,
    "east_european": """
        Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski Szymanski
        Wozniak Dabrowski Kozlowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski Grabowski
        Nowakowski Pawlowski Michalski Popescu Ionescu Popa Stan Dumitru Stoica Gheorghe Rusu
        Munteanu Matei Constantin Shevchenko Kovalenko Bondarenko Tkachenko Kazlauskas
        Jankauskas Petrauskas Novak Horvath Dvorak Balogh Nagy Ivanov Petrov
    """,
    "other": """
        Ahmadi Hosseini Mohammadi Rezaei Karimi Hashemi Moradi Haddad Khoury Nasser Saleh
        Mansour Hamdan Aziz Abdullah Rahimi Omer Yilmaz Kaya Demir Celik Sahin Ozturk Aydin
        Hassan Jama Warsame Abdi Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Nguyen Tran
        Le Pham Hoang Vu Silva Santos Ferreira Pereira Costa Rodrigues Garcia Martinez Lopez
        Gonzalez Tanaka Sato Suzuki Kurdi Barzani Rashid Amin
    """,
}

#: Groups of spellings and familiar forms that partners record for one person. The first
#: form in a group is not privileged: any member may be the "true" name.
VARIANTS: str = """
    Mohammed Muhammad Mohammad Mohamed Mohamad Muhammed
    Robert Bob Rob Robbie Bobby
    John Jon Johnny Jonny
    Jonathan Jon Jonny
    William Will Bill Billy Liam
    Richard Rich Rick Ricky Dick
    Michael Mike Mick Mikey
    Christopher Chris Kristopher
    Matthew Matt Mathew
    Daniel Dan Danny
    Joseph Joe Joey
    Thomas Tom Tommy
    James Jim Jimmy Jamie
    Anthony Tony Antony
    Stephen Steven Steve Stevie
    Nicholas Nick Nicky Nicolas
    Alexander Alex Alexandr Aleksander
    Benjamin Ben Benji
    Samuel Sam Sammy
    Edward Ed Eddie Ted
    Andrew Andy Drew
    David Dave Davey
    Peter Pete
    Kenneth Ken Kenny
    Elizabeth Liz Lizzie Beth Betty Eliza
    Katherine Catherine Kathryn Kate Katie Cathy
    Jennifer Jenny Jen
    Victoria Vicky Vikki Tori
    Samantha Sam Sammy
    Rebecca Becky Becca
    Jessica Jess Jessie
    Abigail Abbie Abby
    Natalie Nat Nathalie
    Margaret Maggie Peggy Meg
    Deborah Debbie Debra
    Jacqueline Jackie Jacquelyn
    Ahmed Ahmad Ahmet
    Hussain Hussein Husain Hossain
    Hassan Hasan
    Yusuf Yousef Youssef Yousaf
    Ibrahim Ebrahim Ibraheem
    Aisha Ayesha Aysha Ayisha
    Fatima Fatimah Fatma
    Maryam Mariam Miriam
    Zainab Zaynab Zenab
    Khadija Khadijah Khadeeja
    Chowdhury Choudhury Chaudhry Chaudhary
    Rahman Rehman
    Mahmood Mahmud Mehmood
    Siddique Siddiqui Sadiq Saddiq
    Qureshi Kureshi Quraishi
    Yasmin Yasmeen Jasmin Jasmine
    Sean Shaun Shawn
    Aidan Aiden Ayden
    Jayden Jaiden Jaden
    Reece Rhys Reese
    Kieran Ciaran Keiran
    Connor Conor
    Lewis Louis
    Zain Zayn Zane
    Rayyan Rayan
    Abdirahman Abdurahman Abdulrahman
    Abdullahi Abdulahi Abdillahi
    Mohamud Mohamoud Mahamud
    Oluwaseun Seun Shay
    Babatunde Tunde
    Olumide Mide
    Oluwatobi Tobi
    Chukwuemeka Emeka
    Ifeoma Ify
    Temitope Tope Temi
    Tyrone Tyron
    Jermaine Germaine
    Natasha Tasha
    Aleksandra Aleksandra Ola
    Katarzyna Kasia
    Wojciech Wojtek
    Krzysztof Krzys Christopher
    Pawel Paul
    Piotr Peter
    Jakub Kuba Jacob
    Oleksandr Alexander Sasha
    Dmitri Dmitry Dima
    Nguyen Nguyn
    O'Brien OBrien
    O'Connor OConnor
    O'Neill ONeill
    McDonald MacDonald Mcdonald
"""

#: Fictional street stems and suffixes; combined, they name every street in the city.
STREET_STEMS: str = """
    Victoria Albert Church Station Park Mill Queen King Grove Manor Oak Elm Ash Beech Cedar
    Willow Birch Holly Hawthorn Rowan Chestnut Maple Poplar Alder Laurel Meadow Brook Springfield
    Highfield Westfield Northfield Eastfield Fairfield Greenhill Broadway Marsh Moor Heath Forge
    Foundry Canal Wharf Bridge Ferry Market Chapel Abbey Priory Vicarage Rectory School College
    Hospital Nelson Wellington Trafalgar Waterloo Balaclava Alma Clarence Windsor Stanley
    Gladstone Cromwell Milton Byron Shelley Tennyson Dickens Wordsworth Chaucer Ruskin Darwin
    Faraday Newton Stephenson Brunel Telford Fletcher Cavendish Grosvenor Belgrave Stamford
    Melbourne Sydney Brisbane Ontario Quebec Hampton Kingston Richmond Ashford Bradford
    Whitley Lodge Farm Orchard Garden Crescent Coppice Spinney Dale Vale Brookside Riverside
    Lakeside Hillside Ridgeway Kingsway Queensway Parkway Rosebery Jubilee Coronation Carnegie
"""

STREET_SUFFIXES: str = "Road Street Avenue Lane Close Drive Way Grove Crescent Terrace Place Walk"
