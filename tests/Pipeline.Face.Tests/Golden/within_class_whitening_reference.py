# Golden values for WithinClassWhiteningTests: run with /usr/bin/python3 (numpy); an independent two-pass definition.
import numpy as np
raw=np.array([[0.9,0.1,-0.2,0.3,0.0],[0.7,0.4,0.1,-0.1,0.2],[0.8,-0.1,0.0,0.2,0.3],[0.5,0.6,-0.3,0.1,0.1],
 [-0.3,0.8,0.5,0.1,-0.2],[0.1,0.9,-0.1,0.3,0.1],[0.6,0.5,0.2,0.0,0.1],[0.0,0.7,0.6,-0.2,0.0],
 [0.0,-0.2,0.3,0.9,0.4],[-0.1,0.1,0.2,0.6,-0.8],[0.2,0.0,0.1,0.8,0.1],[0.1,-0.3,0.4,0.7,-0.3]])
lab=np.array([0,0,0,0,1,1,1,1,3,3,3,3]); C=4
inc=np.array([1,1,1,0,1,1,0,1,1,1,1,0],bool)
X=raw/np.linalg.norm(raw,axis=1,keepdims=True); d=X.shape[1]
# within-class scatter of the included samples around their included class means (two passes, the textbook definition)
R=[]
for c in range(C):
    k=inc&(lab==c)
    if k.sum()==0: continue
    R.append(X[k]-X[k].mean(0))
R=np.vstack(R); Sw=R.T@R/inc.sum()
Sw=Sw+0.1*np.trace(Sw)/d*np.eye(d)
w,V=np.linalg.eigh(Sw); Y=X@V/np.sqrt(w); Y/=np.linalg.norm(Y,axis=1,keepdims=True)
M=np.zeros((C,d)); np.add.at(M,lab,Y); n=np.linalg.norm(M,axis=1); M[n>0]/=n[n>0,None]
A=np.degrees(np.arccos(np.clip(Y@M.T,-1,1)))
own=A[np.arange(len(lab)),lab]; A[np.arange(len(lab)),lab]=np.inf; A[:,n==0]=np.inf
other=A.min(1); oc=A.argmin(1)
np.set_printoptions(precision=4,suppress=True,linewidth=200)
print('own',', '.join(f'{v:.4f}' for v in own)); print('other',', '.join(f'{v:.4f}' for v in other)); print('class',list(oc))
print('margin',', '.join(f'{v:.4f}' for v in own-other+90))
